{#- The standard CONCEPT_SYNONYM rows (vocabulary_source: the shipped seed or Athena). -#}
select * from {{ standard_vocabulary('concept_synonym') }}
