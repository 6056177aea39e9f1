{#- The OMOP CONCEPT_RELATIONSHIP table: the generated DICOM relationships, resolved from
    (vocabulary_id, concept_code) to concept_ids through the concept model, plus the standard
    relationships (none shipped; the Athena table when vocabulary_source is 'athena').
    A DICOM relationship whose other end is not in the concept model (a SNOMED concept outside
    the shipped subset) is left out, so both ends of every row always exist. -#}
{{ config(materialized=vocabulary_materialization()) }}

with

standard_relationships as (

    select * from {{ ref('stg_vocabulary__concept_relationships') }}

),

dicom_relationships as (

    select * from {{ ref('dicom_concept_relationship') }}

),

concepts as (

    select * from {{ ref('concept') }}

),

resolved as (

    select
        concept_1.concept_id as concept_id_1,
        concept_2.concept_id as concept_id_2,
        dicom_relationships.relationship_id,
        dicom_relationships.valid_start_date,
        dicom_relationships.valid_end_date,
        dicom_relationships.invalid_reason
    from dicom_relationships
    inner join concepts as concept_1
        on
            dicom_relationships.vocabulary_id_1 = concept_1.vocabulary_id
            and dicom_relationships.concept_code_1 = concept_1.concept_code
    inner join concepts as concept_2
        on
            dicom_relationships.vocabulary_id_2 = concept_2.vocabulary_id
            and dicom_relationships.concept_code_2 = concept_2.concept_code

),

unioned as (

    select
        concept_id_1,
        concept_id_2,
        relationship_id,
        valid_start_date,
        valid_end_date,
        invalid_reason
    from standard_relationships

    union all

    select
        concept_id_1,
        concept_id_2,
        relationship_id,
        valid_start_date,
        valid_end_date,
        invalid_reason
    from resolved

),

final as (

    select
        cast(concept_id_1 as integer) as concept_id_1,
        cast(concept_id_2 as integer) as concept_id_2,
        cast(relationship_id as varchar(20)) as relationship_id,
        cast(valid_start_date as date) as valid_start_date,
        cast(valid_end_date as date) as valid_end_date,
        cast(invalid_reason as varchar(1)) as invalid_reason
    from unioned

)

select * from final
