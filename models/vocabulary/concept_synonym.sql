{#- The OMOP CONCEPT_SYNONYM table: DICOM attribute keywords plus the standard synonyms (none
    shipped; the Athena table when vocabulary_source is 'athena'). -#}
{{ config(materialized=vocabulary_materialization()) }}

with

standard_synonyms as (

    select * from {{ ref('stg_vocabulary__concept_synonyms') }}

),

dicom_synonyms as (

    select * from {{ ref('dicom_concept_synonym') }}

),

unioned as (

    select
        concept_id,
        concept_synonym_name,
        language_concept_id
    from standard_synonyms

    union all

    select
        concept_id,
        concept_synonym_name,
        language_concept_id
    from dicom_synonyms

),

final as (

    select
        cast(concept_id as integer) as concept_id,
        cast(concept_synonym_name as varchar(1000)) as concept_synonym_name,
        cast(language_concept_id as integer) as language_concept_id
    from unioned

)

select * from final
