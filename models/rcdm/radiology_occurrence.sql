{#- R-CDM RADIOLOGY_OCCURRENCE (the R-CDM paper, Table 1): one row per imaging study. Its ID is the
    study's PROCEDURE_OCCURRENCE ID, so the two tables join directly. -#}

with

studies as (

    select * from {{ ref('int_dicom__studies') }}

),

-- patients left unlinked by the 'skip' / 'fail' policy have no person: see unlinked_patients
patients as (

    select * from {{ ref('int_dicom__patients') }}
    where person_id is not null

),

procedure_occurrence_ids as (

    select * from {{ ref('id_map__procedure_occurrence') }}

),

protocols as (

    select * from {{ ref('int_linkage__study_protocols') }}

),

final as (

    select
        cast(procedure_occurrence_ids.cdm_id as {{ cdm_id_type() }}) as radiology_occurrence_id,
        patients.person_id,
        studies.study_effective_date as radiology_occurrence_date,
        {{ date_at_time('studies.study_effective_date', 'studies.study_time') }}
            as radiology_occurrence_datetime,
        cast(studies.first_modality as varchar(10)) as modality,
        cast(studies.manufacturer as varchar(50)) as manufacturer,
        protocols.protocol_concept_id,
        cast(protocols.protocol_source_value as varchar(255)) as protocol_source_value,
        cast(studies.series_count as integer) as count_of_series,
        cast(studies.instance_count as integer) as count_of_images,
        cast(null as {{ dbt.type_string() }}) as radiology_note
    from studies
    inner join patients
        on studies.patient_key = patients.patient_key
    inner join procedure_occurrence_ids
        on 'study|' || studies.study_instance_uid = procedure_occurrence_ids.source_key
    left join protocols
        on studies.study_instance_uid = protocols.study_instance_uid

)

select * from final
