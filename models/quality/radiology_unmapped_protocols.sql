{#- The protocols no protocol_map row maps, with how many studies of the CDM use each, most frequent
    first: what to map next. Studies of patients the policies left out (no person_id, see
    unlinked_patients) are not counted: they reach no output table. -#}

with

protocols as (

    select * from {{ ref('int_linkage__study_protocols') }}

),

studies as (

    select * from {{ ref('int_dicom__studies') }}

),

patients as (

    select * from {{ ref('int_dicom__patients') }}
    where person_id is not null

),

cdm_protocols as (

    select protocols.*
    from protocols
    inner join studies
        on protocols.study_instance_uid = studies.study_instance_uid
    inner join patients
        on studies.patient_key = patients.patient_key

),

final as (

    select
        modality,
        body_part_examined,
        protocol_source_value,
        count(*) as study_count
    from cdm_protocols
    where protocol_concept_id = 0
    group by modality, body_part_examined, protocol_source_value

)

select * from final
