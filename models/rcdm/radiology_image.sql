{#- R-CDM RADIOLOGY_IMAGE (the R-CDM paper, Table 2): one row per image (SOP instance; a SOP Instance UID
    found in two files is one image, the file with the smallest path). As in the paper,
    laterality_concept_id carries the image plane; series_type_* carry the contrast status. Both are
    the header classifier's results ('OMOP Imaging' concepts). -#}
{{ config(**build_scope_config('radiology_series_id', 'image_occurrence')) }}

with

instances as (

    select * from {{ ref('int_dicom__instances') }}
    where {{ in_build_scope('series_instance_uid') }}

),

series as (

    select * from {{ ref('int_dicom__series') }}

),

-- images of patients left unlinked by the 'skip' / 'fail' policy are left out, as their studies are
linked_patients as (

    select patient_key
    from {{ ref('int_dicom__patients') }}
    where person_id is not null

),

radiology_image_ids as (

    select * from {{ ref('id_map__radiology_image') }}

),

procedure_occurrence_ids as (

    select * from {{ ref('id_map__procedure_occurrence') }}

),

image_occurrence_ids as (

    select * from {{ ref('id_map__image_occurrence') }}

),

classification as (

    select * from {{ ref('int_classification__series_classification') }}

),

-- only the per-image plane needs a look-up: the series' results carry their concepts already
imaging_concepts as (

    select
        concept_code,
        concept_id
    from {{ ref('concept') }}
    where vocabulary_id = 'OMOP Imaging'

),

distinct_instances as (

    select
        *,
        row_number() over (partition by sop_instance_uid order by file_path) as file_rank
    from instances

),

final as (

    select
        cast(radiology_image_ids.cdm_id as {{ cdm_id_type() }}) as radiology_image_id,
        cast(procedure_occurrence_ids.cdm_id as {{ cdm_id_type() }}) as radiology_occurrence_id,
        cast(image_occurrence_ids.cdm_id as {{ cdm_id_type() }}) as radiology_series_id,
        distinct_instances.file_path,
        cast(series.body_part_examined as varchar(50)) as body_part_source_value,
        -- the image's own plane, else its series' (the classifier's concept)
        coalesce(plane_concepts.concept_id, classification.image_plane_concept_id, 0) as laterality_concept_id,
        case
            when classification.contrast_status <> 'CONTRAST_UNKNOWN' then classification.contrast_concept_id
            else 0
        end as series_type_concept_id,
        cast(
            case classification.contrast_status
                when 'WITH_CONTRAST' then 'post-contrast'
                when 'WITHOUT_CONTRAST' then 'pre-contrast'
            end as varchar(50)
        ) as series_type_source_value,
        cast(series.instance_count as integer) as series_total_number,
        cast(distinct_instances.instance_number as integer) as series_serial_number,
        cast(distinct_instances.image_rows as integer) as image_resolution_rows,
        cast(distinct_instances.image_columns as integer) as image_resolution_columns,
        cast(
            case when series.modality = 'CT' then distinct_instances.slice_thickness end as {{ cdm_float_type() }}
        ) as ct_slice_thickness
    from distinct_instances
    inner join series
        on distinct_instances.series_instance_uid = series.series_instance_uid
    inner join linked_patients
        on series.patient_key = linked_patients.patient_key
    inner join radiology_image_ids
        on 'image|' || distinct_instances.sop_instance_uid = radiology_image_ids.source_key
    inner join procedure_occurrence_ids
        on 'study|' || distinct_instances.study_instance_uid = procedure_occurrence_ids.source_key
    inner join image_occurrence_ids
        on 'series|' || distinct_instances.series_instance_uid = image_occurrence_ids.source_key
    left join classification
        on distinct_instances.series_instance_uid = classification.series_instance_uid
    left join imaging_concepts as plane_concepts
        on distinct_instances.image_plane = plane_concepts.concept_code
    where distinct_instances.file_rank = 1

)

select * from final
