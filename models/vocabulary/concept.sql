{#- The OMOP CONCEPT table: the standard concepts of staging (shipped subset or the user's Athena
    download, var vocabulary_source) plus the generated DICOM concepts. -#}
{{ config(materialized=vocabulary_materialization()) }}

with

standard_concepts as (

    select * from {{ ref('stg_vocabulary__concepts') }}

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
