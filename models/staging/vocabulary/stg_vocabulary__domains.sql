{#- The standard DOMAIN rows (vocabulary_source: the shipped seed or Athena). -#}
select * from {{ standard_vocabulary('domain') }}
