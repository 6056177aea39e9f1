{#- One row per MEASUREMENT of a series plus what its IMAGE_FEATURE row needs, from two sources:
    - every kept header value (the MI-CDM paper's convention: measurement_concept_id is the DICOM attribute
      concept, the raw value is kept in measurement_source_value and value_source_value), type
      var ehr_type_concept_id (32817);
    - every result of the header classifier (int_classification__series_classification_features): the 'OMOP
      Imaging' feature concept with the value concept, type var algorithm_type_concept_id (32880),
      with alg_system and alg_datetime.
    image_feature_key identifies the row's IMAGE_FEATURE: the header value's id, or
    'classification|<series uid>|<feature>' (keys of the two kinds never collide).
    A retired attribute concept (invalid_reason set) is never a new row's measurement_concept_id:
    its 'Concept replaced by' target if there is one, else 0; the source concept keeps it. -#}
{{ config(**build_scope_config('image_occurrence_id', 'image_occurrence')) }}

with

header_values as (

    select
        *,
        {{ dbt.cast('header_value_id', dbt.type_string()) }} as header_value_key
    from {{ ref('int_dicom__header_value_concepts') }}
    where {{ in_build_scope('series_instance_uid') }}

),

classification_features as (

    select * from {{ ref('int_classification__series_classification_features') }}
    where {{ in_build_scope('series_instance_uid') }}

),

measurement_ids as (

    select * from {{ ref('id_map__measurement') }}

),

image_feature_ids as (

    select * from {{ ref('id_map__image_feature') }}

),

-- valid concepts as themselves, retired ones by their replacement (0 when none)
concept_in_use as (

    select
        concepts.concept_id,
        case
            when concepts.invalid_reason is null then concepts.concept_id
            else coalesce(replacements.concept_id_2, 0)
        end as use_concept_id
    from {{ ref('concept') }} as concepts
    left join {{ ref('concept_relationship') }} as replacements
        on
            concepts.concept_id = replacements.concept_id_1
            and replacements.relationship_id = 'Concept replaced by'
            and replacements.invalid_reason is null

),

image_occurrences as (

    select * from {{ ref('image_occurrence') }}
    where {{ in_build_scope('image_occurrence_id', 'image_occurrence') }}

),

header_measurements as (

    select
        measurement_ids.cdm_id as measurement_id,
        image_feature_ids.cdm_id as image_feature_id,
        image_occurrences.person_id,
        coalesce(attribute_in_use.use_concept_id, 0) as measurement_concept_id,
        image_occurrences.image_occurrence_date as measurement_date,
        cast(null as {{ dbt.type_timestamp() }}) as measurement_datetime,
        cast(null as varchar(10)) as measurement_time,
        {{ var('ehr_type_concept_id') }} as measurement_type_concept_id,
        0 as operator_concept_id,
        header_values.value_number as value_as_number,
        coalesce(header_values.value_concept_id, 0) as value_as_concept_id,
        coalesce(header_values.unit_concept_id, 0) as unit_concept_id,
        cast(null as {{ type_double() }}) as range_low,
        cast(null as {{ type_double() }}) as range_high,
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
        header_values.header_value_key as image_feature_key,
        {{ var('ehr_type_concept_id') }} as image_feature_type_concept_id,
        cast(null as varchar(100)) as alg_system,
        cast(null as {{ dbt.type_timestamp() }}) as alg_datetime,
        image_occurrences.image_occurrence_id,
        image_occurrences.anatomic_site_concept_id
    from header_values
    inner join image_occurrences
        on header_values.series_instance_uid = image_occurrences.image_series_uid
    left join concept_in_use as attribute_in_use
        on header_values.attribute_concept_id = attribute_in_use.concept_id
    inner join measurement_ids
        on 'measurement|' || header_values.header_value_key = measurement_ids.source_key
    inner join image_feature_ids
        on 'image_feature|' || header_values.header_value_key = image_feature_ids.source_key

),

algorithm_measurements as (

    select
        measurement_ids.cdm_id as measurement_id,
        image_feature_ids.cdm_id as image_feature_id,
        image_occurrences.person_id,
        coalesce(classification_features.feature_concept_id, 0) as measurement_concept_id,
        image_occurrences.image_occurrence_date as measurement_date,
        cast(null as {{ dbt.type_timestamp() }}) as measurement_datetime,
        cast(null as varchar(10)) as measurement_time,
        {{ var('algorithm_type_concept_id') }} as measurement_type_concept_id,
        0 as operator_concept_id,
        cast(null as {{ type_double() }}) as value_as_number,
        coalesce(classification_features.value_concept_id, 0) as value_as_concept_id,
        0 as unit_concept_id,
        cast(null as {{ type_double() }}) as range_low,
        cast(null as {{ type_double() }}) as range_high,
        cast(null as integer) as provider_id,
        image_occurrences.visit_occurrence_id,
        cast(null as {{ dbt.type_bigint() }}) as visit_detail_id,
        cast(classification_features.feature_code as varchar(50)) as measurement_source_value,
        coalesce(classification_features.feature_concept_id, 0) as measurement_source_concept_id,
        cast(null as varchar(50)) as unit_source_value,
        0 as unit_source_concept_id,
        cast(classification_features.value_code as varchar(50)) as value_source_value,
        cast(null as {{ dbt.type_bigint() }}) as measurement_event_id,
        0 as meas_event_field_concept_id,
        cast(null as {{ dbt.type_bigint() }}) as header_value_id,
        classification_features.feature_key as image_feature_key,
        {{ var('algorithm_type_concept_id') }} as image_feature_type_concept_id,
        classification_features.alg_system,
        classification_features.alg_datetime,
        image_occurrences.image_occurrence_id,
        image_occurrences.anatomic_site_concept_id
    from classification_features
    inner join image_occurrences
        on classification_features.series_instance_uid = image_occurrences.image_series_uid
    inner join measurement_ids
        on 'measurement|' || classification_features.feature_key = measurement_ids.source_key
    inner join image_feature_ids
        on 'image_feature|' || classification_features.feature_key = image_feature_ids.source_key

),

final as (

    select * from header_measurements

    union all

    select * from algorithm_measurements

)

select * from final
