{#- One row per image series with what a researcher selects series by: person, dates, modality,
    body part, the header classifier's results, MR timing, counts and where the files are. The
    cohort command, the viewer and ad-hoc SQL read this table. -#}
{{ config(**build_scope_config('image_occurrence_id', 'image_occurrence')) }}

with

image_occurrences as (

    select * from {{ ref('image_occurrence') }}
    where {{ in_build_scope('image_occurrence_id', 'image_occurrence') }}

),

series as (

    select * from {{ ref('int_dicom__series') }}
    where {{ in_build_scope('series_instance_uid') }}

),

classification as (

    select * from {{ ref('int_classification__series_classification') }}
    where {{ in_build_scope('series_instance_uid') }}

),

header_values as (

    select * from {{ ref('int_dicom__header_values') }}
    where
        value_index = 0
        and tag in ('00180080', '00180081', '00189082', '00180082', '00189079', '00181314')
        and {{ in_build_scope('series_instance_uid') }}

),

timing as (

    select
        series_instance_uid,
        max(case when tag = '00180080' then value_number end) as repetition_time_ms,
        coalesce(
            max(case when tag = '00180081' then value_number end),
            max(case when tag = '00189082' then value_number end)
        ) as echo_time_ms,
        coalesce(
            max(case when tag = '00180082' then value_number end),
            max(case when tag = '00189079' then value_number end)
        ) as inversion_time_ms,
        max(case when tag = '00181314' then value_number end) as flip_angle_deg
    from header_values
    group by series_instance_uid

),

final as (

    select
        image_occurrences.image_occurrence_id,
        image_occurrences.person_id,
        image_occurrences.procedure_occurrence_id,
        image_occurrences.visit_occurrence_id,
        image_occurrences.image_occurrence_date,
        -- false: the header holds no date, image_occurrence_date is the file's modification date
        series.series_effective_date_source <> 'file_modified_date' as image_date_from_header,
        image_occurrences.image_study_uid,
        image_occurrences.image_series_uid,
        series.modality,
        series.body_part_examined,
        series.series_description,
        series.protocol_name,
        series.manufacturer,
        classification.image_plane,
        classification.has_plane_disagreement,
        classification.contrast_status,
        classification.sequence_family,
        classification.is_volumetric,
        classification.is_localizer,
        timing.repetition_time_ms,
        timing.echo_time_ms,
        timing.inversion_time_ms,
        timing.flip_angle_deg,
        series.instance_count,
        image_occurrences.local_path,
        image_occurrences.wadors_uri
    from image_occurrences
    inner join series
        on image_occurrences.image_series_uid = series.series_instance_uid
    left join classification
        on image_occurrences.image_series_uid = classification.series_instance_uid
    left join timing
        on image_occurrences.image_series_uid = timing.series_instance_uid

)

select * from final
