{#- The header classifier's results as algorithm features, one row per series and feature, for
    MEASUREMENT / IMAGE_FEATURE (type var algorithm_type_concept_id, 32880 standard algorithm):
    measurement_concept_id is the 'OMOP Imaging' feature concept, value_as_concept_id the value's.
      IMAGE_PLANE             series with an image plane          AXIAL / CORONAL / SAGITTAL / OBLIQUE
      CONTRAST_STATUS         CT and MR series                    WITH_CONTRAST / WITHOUT_CONTRAST / CONTRAST_UNKNOWN
      MR_SEQUENCE_FAMILY      MR series                           T1W, T2W, FLAIR, ... OTHER_SEQUENCE
      VOLUMETRIC_ACQUISITION  MR series                           YES / NO
      LOCALIZER_IMAGE         CT and MR series                    YES / NO
    alg_system names the classifier and its version (macro classifier_system), alg_datetime the
    time this model was built. -#}
{{ config(**build_scope_config()) }}

with

classifications as (

    select * from {{ ref('int_classification__series_classification') }}
    where {{ in_build_scope('series_instance_uid') }}

),

imaging_concepts as (

    select
        concept_code,
        concept_id
    from {{ ref('concept') }}
    where vocabulary_id = 'OMOP Imaging'

),

features as (

    select
        series_instance_uid,
        'IMAGE_PLANE' as feature_code,
        image_plane as value_code,
        image_plane_confidence as confidence
    from classifications
    where image_plane is not null

    union all

    select
        series_instance_uid,
        'CONTRAST_STATUS' as feature_code,
        contrast_status as value_code,
        contrast_confidence as confidence
    from classifications
    where modality in ('CT', 'MR') and contrast_status is not null

    union all

    select
        series_instance_uid,
        'MR_SEQUENCE_FAMILY' as feature_code,
        sequence_family as value_code,
        sequence_family_confidence as confidence
    from classifications
    where modality = 'MR' and sequence_family is not null

    union all

    select
        series_instance_uid,
        'VOLUMETRIC_ACQUISITION' as feature_code,
        case when is_volumetric then 'YES' else 'NO' end as value_code,
        volumetric_confidence as confidence
    from classifications
    where modality = 'MR' and is_volumetric is not null

    union all

    select
        series_instance_uid,
        'LOCALIZER_IMAGE' as feature_code,
        case when is_localizer then 'YES' else 'NO' end as value_code,
        localizer_confidence as confidence
    from classifications
    where modality in ('CT', 'MR') and is_localizer is not null

),

final as (

    select
        'classification|' || features.series_instance_uid || '|' || features.feature_code as feature_key,
        features.series_instance_uid,
        features.feature_code,
        features.value_code,
        cast(features.confidence as {{ type_double() }}) as confidence,
        feature_concepts.concept_id as feature_concept_id,
        value_concepts.concept_id as value_concept_id,
        cast({{ classifier_system() }} as varchar(100)) as alg_system,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as alg_datetime
    from features
    left join imaging_concepts as feature_concepts
        on features.feature_code = feature_concepts.concept_code
    left join imaging_concepts as value_concepts
        on features.value_code = value_concepts.concept_code

)

select * from final
