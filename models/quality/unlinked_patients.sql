{#- DICOM patients that neither the crosswalk nor the clinical PERSON table matched, whatever the
    policy did with them ('created' got a new person_id; 'unmatched' were left out of the outputs).
    `omop-imaging report` counts them; this table is where to look them up. -#}

with

patients as (

    select * from {{ ref('int_dicom__patients') }}

),

final as (

    select
        patient_key,
        patient_id,
        issuer_of_patient_id,
        link_method,
        person_id,
        study_count,
        series_count
    from patients
    where not is_linked

)

select * from final
