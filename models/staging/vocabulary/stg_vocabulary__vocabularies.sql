{#- The standard VOCABULARY rows (vocabulary_source: the shipped seed or Athena). -#}
select * from {{ standard_vocabulary('vocabulary') }}
