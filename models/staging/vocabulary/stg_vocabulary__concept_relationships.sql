{#- The standard CONCEPT_RELATIONSHIP rows (vocabulary_source: the shipped seed or Athena). -#}
select * from {{ standard_vocabulary('concept_relationship') }}
