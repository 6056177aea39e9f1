{#- Data-quality finding: DICOM patients whose Patient's Birth Date is implausible (before var
    min_plausible_birth_year, or after their first imaging date) and was therefore not used for
    PERSON. One row per patient, by the patient key (no identifying value). -#}

with

patients as (

    select * from {{ ref('int_dicom__patients') }}

),

final as (

    select
        patient_key,
        link_method,
        person_id,
        year_of_birth as year_of_birth_used,
        study_count
    from patients
    where has_implausible_birth_date

)

select * from final
