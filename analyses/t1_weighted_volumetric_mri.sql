{#- The MI-CDM paper's cohort query over MI-CDM: T1-weighted volumetric MRI series, by the published rule
    (TR 1500-2500 ms and TE < 10 ms and TI 800-1000 ms) or (TR < 10 and TE < 10 and TI < 500).
    Echo / Inversion Time fall back to the enhanced MR attributes (Effective Echo Time,
    Inversion Times). Compile with `omop-imaging dbt compile`, then run the SQL in target/compiled. -#}

with

image_occurrences as (

    select * from {{ ref('image_occurrence') }}

),

image_features as (

    select * from {{ ref('image_feature') }}

),

measurements as (

    select * from {{ ref('measurement') }}

),

concepts as (

    select * from {{ ref('concept') }}

),

timing_attributes as (

    select
        concept_id,
        concept_code
    from concepts
    where
        vocabulary_id = 'DICOM'
        and concept_class_id = 'DICOM Attributes'
        and concept_code in ('00180080', '00180081', '00180082', '00189082', '00189079')

),

mr_modality as (

    select concepts.concept_id
    from concepts
    where concepts.vocabulary_id = 'DICOM' and concepts.concept_code = 'MR'

),

series_timing as (

    select
        image_features.image_occurrence_id,
        max(case when timing_attributes.concept_code = '00180080' then measurements.value_as_number end)
            as repetition_time_ms,
        coalesce(
            max(case when timing_attributes.concept_code = '00180081' then measurements.value_as_number end),
            max(case when timing_attributes.concept_code = '00189082' then measurements.value_as_number end)
        ) as echo_time_ms,
        coalesce(
            max(case when timing_attributes.concept_code = '00180082' then measurements.value_as_number end),
            max(case when timing_attributes.concept_code = '00189079' then measurements.value_as_number end)
        ) as inversion_time_ms
    from image_features
    inner join measurements
        on image_features.image_feature_event_id = measurements.measurement_id
    inner join timing_attributes
        on measurements.measurement_concept_id = timing_attributes.concept_id
    group by image_features.image_occurrence_id

),

final as (

    select
        image_occurrences.person_id,
        image_occurrences.image_occurrence_id,
        image_occurrences.image_study_uid,
        image_occurrences.image_series_uid,
        image_occurrences.image_occurrence_date,
        image_occurrences.local_path,
        series_timing.repetition_time_ms,
        series_timing.echo_time_ms,
        series_timing.inversion_time_ms
    from image_occurrences
    inner join series_timing
        on image_occurrences.image_occurrence_id = series_timing.image_occurrence_id
    where
        image_occurrences.modality_concept_id in (select mr_modality.concept_id from mr_modality)
        and {{ t1_volumetric_rule(
            'series_timing.repetition_time_ms', 'series_timing.echo_time_ms', 'series_timing.inversion_time_ms'
        ) }}

)

select * from final
