{#- The header classifier's results, one row per series: image plane (int_classification__series_plane), contrast
    (int_classification__series_contrast), MR sequence family, volumetric acquisition and localizer
    (int_classification__series_sequence_family), each with its confidence and evidence, and the 'OMOP Imaging'
    concept of each result, looked up by (vocabulary_id, concept_code). The one model that the
    CDM feature rows, R-CDM, cohorts and the `omop-imaging classify` command read. -#}
{{ config(**build_scope_config()) }}

with

series as (

    select * from {{ ref('int_dicom__series') }}
    where {{ in_build_scope('series_instance_uid') }}

),

planes as (

    select * from {{ ref('int_classification__series_plane') }}
    where {{ in_build_scope('series_instance_uid') }}

),

contrasts as (

    select * from {{ ref('int_classification__series_contrast') }}
    where {{ in_build_scope('series_instance_uid') }}

),

families as (

    select * from {{ ref('int_classification__series_sequence_family') }}
    where {{ in_build_scope('series_instance_uid') }}

),

imaging_concepts as (

    select
        concept_code,
        concept_id
    from {{ ref('concept') }}
    where vocabulary_id = 'OMOP Imaging'

),

final as (

    select
        series.series_instance_uid,
        series.study_instance_uid,
        series.modality,
        planes.image_plane,
        plane_concepts.concept_id as image_plane_concept_id,
        planes.image_plane_confidence,
        planes.image_plane_evidence,
        planes.has_plane_disagreement,
        contrasts.contrast_status,
        contrast_concepts.concept_id as contrast_concept_id,
        contrasts.contrast_confidence,
        contrasts.contrast_evidence,
        families.sequence_family,
        family_concepts.concept_id as sequence_family_concept_id,
        families.sequence_family_confidence,
        families.sequence_family_rule,
        families.sequence_family_evidence,
        families.is_volumetric,
        families.volumetric_confidence,
        families.volumetric_evidence,
        families.is_localizer,
        families.localizer_confidence,
        families.localizer_evidence
    from series
    left join planes
        on series.series_instance_uid = planes.series_instance_uid
    left join contrasts
        on series.series_instance_uid = contrasts.series_instance_uid
    left join families
        on series.series_instance_uid = families.series_instance_uid
    left join imaging_concepts as plane_concepts
        on planes.image_plane = plane_concepts.concept_code
    left join imaging_concepts as contrast_concepts
        on contrasts.contrast_status = contrast_concepts.concept_code
    left join imaging_concepts as family_concepts
        on families.sequence_family = family_concepts.concept_code

)

select * from final
