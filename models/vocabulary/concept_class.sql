{#- The OMOP CONCEPT_CLASS table: standard classes (shipped subset or Athena) plus DICOM's. -#}
{{ config(materialized=vocabulary_materialization()) }}

with

standard_classes as (

    select * from {{ ref('stg_vocabulary__concept_classes') }}

),

dicom_classes as (

    select * from {{ ref('dicom_concept_class') }}

),

standard_only as (

    select standard_classes.*
    from standard_classes
    left join dicom_classes
        on standard_classes.concept_class_id = dicom_classes.concept_class_id
    where dicom_classes.concept_class_id is null

),

unioned as (

    select
        concept_class_id,
        concept_class_name,
        concept_class_concept_id
    from standard_only

    union all

    select
        concept_class_id,
        concept_class_name,
        concept_class_concept_id
    from dicom_classes

),

final as (

    select
        cast(concept_class_id as varchar(20)) as concept_class_id,
        cast(concept_class_name as varchar(255)) as concept_class_name,
        cast(concept_class_concept_id as integer) as concept_class_concept_id
    from unioned

)

select * from final
