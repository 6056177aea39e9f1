{#- OMOP MEASUREMENT: one row per kept header value of a series and per header classifier result
    (see int_dicom__measurements). -#}
{{ config(**shared_cdm_table_config(
    'measurement_id', 'id_map__measurement', build_scope_config('measurement_id', 'measurement')
)) }}

with

measurements as (

    select * from {{ ref('int_dicom__measurements') }}
    where {{ in_build_scope('image_occurrence_id', 'image_occurrence') }}

),

final as (

    select
        cast(measurement_id as {{ cdm_id_type() }}) as measurement_id,
        person_id,
        measurement_concept_id,
        measurement_date,
        measurement_datetime,
        measurement_time,
        measurement_type_concept_id,
        operator_concept_id,
        cast(value_as_number as {{ cdm_float_type() }}) as value_as_number,
        value_as_concept_id,
        unit_concept_id,
        cast(range_low as {{ cdm_float_type() }}) as range_low,
        cast(range_high as {{ cdm_float_type() }}) as range_high,
        provider_id,
        cast(visit_occurrence_id as {{ cdm_id_type() }}) as visit_occurrence_id,
        cast(visit_detail_id as {{ cdm_id_type() }}) as visit_detail_id,
        measurement_source_value,
        measurement_source_concept_id,
        unit_source_value,
        unit_source_concept_id,
        value_source_value,
        measurement_event_id,
        meas_event_field_concept_id
    from measurements

)

select * from final
