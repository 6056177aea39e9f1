{#- R-CDM RADIOLOGY_IMAGE (the R-CDM paper, Table 2): one row per image (SOP instance; a SOP Instance UID
    found in two files is one image, the file with the smallest path). As in the paper,
    laterality_concept_id carries the image plane; series_type_* carry the contrast status. Both are
    the header classifier's results ('OMOP Imaging' concepts). -#}

with

instances as (

    select * from {{ ref('int_dicom__instances') }}

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

classification as (

    select * from {{ ref('int_series_classification') }}

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
        {{ stable_id("'image|' || distinct_instances.sop_instance_uid") }} as radiology_image_id,
        {{ stable_id("'study|' || distinct_instances.study_instance_uid") }} as radiology_occurrence_id,
        {{ stable_id("'series|' || distinct_instances.series_instance_uid") }} as radiology_series_id,
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
        case when series.modality = 'CT' then distinct_instances.slice_thickness end as ct_slice_thickness
    from distinct_instances
    inner join series
        on distinct_instances.series_instance_uid = series.series_instance_uid
    inner join linked_patients
        on series.patient_key = linked_patients.patient_key
    left join classification
        on distinct_instances.series_instance_uid = classification.series_instance_uid
    left join imaging_concepts as plane_concepts
        on distinct_instances.image_plane = plane_concepts.concept_code
    where distinct_instances.file_rank = 1

)

select * from final
