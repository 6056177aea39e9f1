{#- The header classifier's results, one row per series: the mart that `omop-imaging classify` reads,
    so Python never reads an intermediate model. Confidences in one type on both engines. -#}

with

classification as (

    select * from {{ ref('int_classification__series_classification') }}

),

final as (

    select
        series_instance_uid,
        study_instance_uid,
        modality,
        image_plane,
        image_plane_concept_id,
        cast(image_plane_confidence as {{ type_double() }}) as image_plane_confidence,
        image_plane_evidence,
        has_plane_disagreement,
        contrast_status,
        contrast_concept_id,
        cast(contrast_confidence as {{ type_double() }}) as contrast_confidence,
        contrast_evidence,
        sequence_family,
        sequence_family_concept_id,
        cast(sequence_family_confidence as {{ type_double() }}) as sequence_family_confidence,
        sequence_family_rule,
        sequence_family_evidence,
        is_volumetric,
        cast(volumetric_confidence as {{ type_double() }}) as volumetric_confidence,
        volumetric_evidence,
        is_localizer,
        cast(localizer_confidence as {{ type_double() }}) as localizer_confidence,
        localizer_evidence
    from classification

)

select * from final
