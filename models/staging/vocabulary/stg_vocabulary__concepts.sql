{#- The standard CONCEPT rows (vocabulary_source: the shipped seed or Athena). The shipped subset
    adds the concepts the outputs need that no offline source verifies (standard_concept_unverified,
    listed in the README); Athena has their real rows. -#}
{%- set concept_columns = 'concept_id, concept_name, domain_id, vocabulary_id, concept_class_id, standard_concept, '
    ~ 'concept_code, valid_start_date, valid_end_date, invalid_reason' -%}

select {{ concept_columns }} from {{ standard_vocabulary('concept') }}
{%- if not vocabulary_from_athena() %}
    union all
    select {{ concept_columns }} from {{ ref('standard_concept_unverified') }}
{%- endif %}
