{#- MI-CDM IMAGE_FEATURE: one row per MEASUREMENT row, pointing at it (image_feature_event_field_concept_id =
    the CDM field concept of measurement.measurement_id): header values (type 32817, EHR) and the header
    classifier's results (type 32880, standard algorithm, with alg_system and alg_datetime). -#}
{{ config(**build_scope_config('image_occurrence_id', 'image_occurrence')) }}
-- built after MEASUREMENT, whose build reads the previous rows (macros/build_scope.sql): {{ ref('measurement') }}

with

measurements as (

    select * from {{ ref('int_dicom__measurements') }}
    where {{ in_build_scope('image_occurrence_id', 'image_occurrence') }}

),

final as (

    select
        cast(image_feature_id as {{ cdm_id_type() }}) as image_feature_id,
        person_id,
        image_occurrence_id,
        {{ var('measurement_id_field_concept_id') }} as image_feature_event_field_concept_id,
        cast(measurement_id as {{ cdm_id_type() }}) as image_feature_event_id,
        measurement_concept_id as image_feature_concept_id,
        image_feature_type_concept_id,
        0 as image_finding_concept_id,
        cast(null as {{ cdm_id_type() }}) as image_finding_id,
        anatomic_site_concept_id,
        cast(alg_system as {{ dbt.type_string() }}) as alg_system,
        alg_datetime
    from measurements

)

select * from final
