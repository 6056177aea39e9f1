{#- The OMOP CONCEPT table: standard concepts (shipped subset or the user's Athena download,
    var vocabulary_source) plus the generated DICOM concepts. The shipped subset adds the concepts
    the outputs need that no offline source verifies (standard_concept_unverified, listed in the
    README); Athena has their real rows. -#}
{%- set from_athena = var('vocabulary_source') == 'athena' -%}
{%- if from_athena -%}
    {%- set standard_relation = source('athena_vocabulary', 'concept') -%}
{%- else -%}
    {%- set standard_relation = ref('standard_concept') -%}
{%- endif %}
{%- set concept_columns = 'concept_id, concept_name, domain_id, vocabulary_id, concept_class_id, standard_concept, '
    ~ 'concept_code, valid_start_date, valid_end_date, invalid_reason' -%}
{{ config(materialized=('view' if from_athena else 'table')) }}

with

standard_concepts as (

    select {{ concept_columns }} from {{ standard_relation }}
    {%- if not from_athena %}
        union all
        select {{ concept_columns }} from {{ ref('standard_concept_unverified') }}
    {%- endif %}

),

dicom_concepts as (

    select * from {{ ref('dicom_concept') }}

),

-- a DICOM concept already loaded into the Athena schema is taken from the seed, once
standard_only as (

    select standard_concepts.*
    from standard_concepts
    left join dicom_concepts
        on standard_concepts.concept_id = dicom_concepts.concept_id
    where dicom_concepts.concept_id is null

),

unioned as (

    select
        concept_id,
        concept_name,
        domain_id,
        vocabulary_id,
        concept_class_id,
        standard_concept,
        concept_code,
        valid_start_date,
        valid_end_date,
        invalid_reason
    from standard_only

    union all

    select
        concept_id,
        concept_name,
        domain_id,
        vocabulary_id,
        concept_class_id,
        standard_concept,
        concept_code,
        valid_start_date,
        valid_end_date,
        invalid_reason
    from dicom_concepts

),

final as (

    select
        cast(concept_id as integer) as concept_id,
        cast(concept_name as varchar(255)) as concept_name,
        cast(domain_id as varchar(20)) as domain_id,
        cast(vocabulary_id as varchar(20)) as vocabulary_id,
        cast(concept_class_id as varchar(20)) as concept_class_id,
        cast(standard_concept as varchar(1)) as standard_concept,
        cast(concept_code as varchar(50)) as concept_code,
        cast(valid_start_date as date) as valid_start_date,
        cast(valid_end_date as date) as valid_end_date,
        cast(invalid_reason as varchar(1)) as invalid_reason
    from unioned

)

select * from final
