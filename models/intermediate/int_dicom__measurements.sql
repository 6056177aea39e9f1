{#- One row per kept header value of a series, shaped as an OMOP MEASUREMENT row (seed 000's
    convention: measurement_concept_id is the DICOM attribute concept, the raw value is kept in
    measurement_source_value and value_source_value) plus what its IMAGE_FEATURE row needs. -#}

with

header_values as (

    select * from {{ ref('int_dicom__header_value_concepts') }}

),

image_occurrences as (

    select * from {{ ref('image_occurrence') }}

),

final as (

    select
        {{ stable_id("'measurement|' || " ~ dbt.cast('header_values.header_value_id', dbt.type_string())) }}
            as measurement_id,
        image_occurrences.person_id,
        coalesce(header_values.attribute_concept_id, 0) as measurement_concept_id,
        image_occurrences.image_occurrence_date as measurement_date,
        cast(null as {{ dbt.type_timestamp() }}) as measurement_datetime,
        cast(null as varchar(10)) as measurement_time,
        {{ var('ehr_type_concept_id') }} as measurement_type_concept_id,
        0 as operator_concept_id,
        header_values.value_number as value_as_number,
        coalesce(header_values.value_concept_id, 0) as value_as_concept_id,
        coalesce(header_values.unit_concept_id, 0) as unit_concept_id,
        cast(null as {{ dbt.type_float() }}) as range_low,
        cast(null as {{ dbt.type_float() }}) as range_high,
        cast(null as integer) as provider_id,
        image_occurrences.visit_occurrence_id,
        cast(null as {{ dbt.type_bigint() }}) as visit_detail_id,
        cast(substr(header_values.value_text, 1, 50) as varchar(50)) as measurement_source_value,
        coalesce(header_values.attribute_concept_id, 0) as measurement_source_concept_id,
        cast(header_values.unit_code as varchar(50)) as unit_source_value,
        0 as unit_source_concept_id,
        cast(substr(header_values.value_text, 1, 50) as varchar(50)) as value_source_value,
        cast(null as {{ dbt.type_bigint() }}) as measurement_event_id,
        0 as meas_event_field_concept_id,
        header_values.header_value_id,
        image_occurrences.image_occurrence_id,
        image_occurrences.anatomic_site_concept_id
    from header_values
    inner join image_occurrences
        on header_values.series_instance_uid = image_occurrences.image_series_uid

)

select * from final
