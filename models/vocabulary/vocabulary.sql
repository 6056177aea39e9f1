{#- The OMOP VOCABULARY table: standard vocabularies (shipped subset or Athena) plus DICOM. -#}
{{ config(materialized=vocabulary_materialization()) }}

with

standard_vocabularies as (

    select * from {{ ref('stg_vocabulary__vocabularies') }}

),

dicom_vocabularies as (

    select * from {{ ref('dicom_vocabulary') }}

),

standard_only as (

    select standard_vocabularies.*
    from standard_vocabularies
    left join dicom_vocabularies
        on standard_vocabularies.vocabulary_id = dicom_vocabularies.vocabulary_id
    where dicom_vocabularies.vocabulary_id is null

),

unioned as (

    select
        vocabulary_id,
        vocabulary_name,
        vocabulary_reference,
        vocabulary_version,
        vocabulary_concept_id
    from standard_only

    union all

    select
        vocabulary_id,
        vocabulary_name,
        vocabulary_reference,
        vocabulary_version,
        vocabulary_concept_id
    from dicom_vocabularies

),

final as (

    select
        cast(vocabulary_id as varchar(20)) as vocabulary_id,
        cast(vocabulary_name as varchar(255)) as vocabulary_name,
        cast(vocabulary_reference as varchar(255)) as vocabulary_reference,
        cast(vocabulary_version as varchar(255)) as vocabulary_version,
        cast(vocabulary_concept_id as integer) as vocabulary_concept_id
    from unioned

)

select * from final
