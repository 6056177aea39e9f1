{#- The standard CONCEPT_CLASS rows (vocabulary_source: the shipped seed or Athena). -#}
select * from {{ standard_vocabulary('concept_class') }}
