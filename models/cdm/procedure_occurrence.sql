{#- OMOP PROCEDURE_OCCURRENCE: one row per imaging study. procedure_concept_id comes from
    seeds/mapping/procedure_concept_map.csv for the study's modality and body part (0 when the pair
    is not mapped); the modality's DICOM concept is the source concept. -#}
{{ config(**shared_cdm_table_config('procedure_occurrence_id', 'id_map__procedure_occurrence')) }}

with

studies as (

    select * from {{ ref('int_dicom__studies') }}

),

-- patients left unlinked by the 'skip' / 'fail' policy have no person: see unlinked_patients
patients as (

    select * from {{ ref('int_dicom__patients') }}
    where person_id is not null

),

procedure_concepts as (

    select
        procedure_concept_map.modality,
        procedure_concept_map.body_part_examined,
        min(concepts.concept_id) as concept_id
    from {{ ref('procedure_concept_map') }} as procedure_concept_map
    inner join {{ ref('concept') }} as concepts
        on
            procedure_concept_map.vocabulary_id = concepts.vocabulary_id
            and procedure_concept_map.concept_code = concepts.concept_code
    where concepts.standard_concept = 'S'
    group by procedure_concept_map.modality, procedure_concept_map.body_part_examined

),

first_series_concepts as (

    select
        series.study_instance_uid,
        min(series_concepts.modality_concept_id) as modality_concept_id
    from {{ ref('int_dicom__series') }} as series
    inner join {{ ref('int_dicom__series_concepts') }} as series_concepts
        on series.series_instance_uid = series_concepts.series_instance_uid
    group by series.study_instance_uid

),

procedure_occurrence_ids as (

    select * from {{ ref('id_map__procedure_occurrence') }}

),

visit_links as (

    select * from {{ ref('int_linkage__visit_links') }}
    where event_kind = 'study'

),

final as (

    select
        cast(procedure_occurrence_ids.cdm_id as {{ cdm_id_type() }}) as procedure_occurrence_id,
        patients.person_id,
        coalesce(procedure_concepts.concept_id, 0) as procedure_concept_id,
        studies.study_effective_date as procedure_date,
        {{ date_at_time('studies.study_effective_date', 'studies.study_time') }} as procedure_datetime,
        cast(null as date) as procedure_end_date,
        cast(null as {{ dbt.type_timestamp() }}) as procedure_end_datetime,
        {{ var('ehr_type_concept_id') }} as procedure_type_concept_id,
        0 as modifier_concept_id,
        cast(null as integer) as quantity,
        cast(null as integer) as provider_id,
        cast(visit_links.visit_occurrence_id as {{ cdm_id_type() }}) as visit_occurrence_id,
        cast(null as {{ cdm_id_type() }}) as visit_detail_id,
        cast(
            trim({{ dbt.concat([
                "coalesce(studies.first_modality, '')",
                "' '",
                "coalesce(studies.first_body_part_examined, '')",
            ]) }})
            as varchar(50)
        ) as procedure_source_value,
        coalesce(first_series_concepts.modality_concept_id, 0) as procedure_source_concept_id,
        cast(null as varchar(50)) as modifier_source_value
    from studies
    inner join patients
        on studies.patient_key = patients.patient_key
    inner join procedure_occurrence_ids
        on 'study|' || studies.study_instance_uid = procedure_occurrence_ids.source_key
    left join first_series_concepts
        on studies.study_instance_uid = first_series_concepts.study_instance_uid
    left join visit_links
        on studies.study_instance_uid = visit_links.event_uid
    left join procedure_concepts
        on
            studies.first_modality = procedure_concepts.modality
            and studies.first_body_part_examined = procedure_concepts.body_part_examined

)

select * from final
