{#- One row per DICOM patient (Issuer of Patient ID + Patient ID) with its OMOP person_id:
    from the crosswalk when the patient is linked, else derived from the patient key. -#}

with

series as (

    select * from {{ ref('int_dicom__series') }}

),

crosswalk as (

    select * from {{ ref('person_crosswalk') }}

),

patients as (

    select
        patient_key,
        min(patient_id) as patient_id,
        min(issuer_of_patient_id) as issuer_of_patient_id,
        min(patient_birth_date) as birth_date,
        min(patient_sex) as patient_sex,
        count(distinct patient_sex) as patient_sex_count,
        min(study_date) as first_study_date
    from series
    group by patient_key

),

final as (

    select
        patients.patient_key,
        patients.patient_id,
        patients.issuer_of_patient_id,
        patients.birth_date,
        patients.patient_sex,
        patients.patient_sex_count,
        crosswalk.person_id is not null as is_linked,
        coalesce(crosswalk.person_id, {{ stable_id('patients.patient_key') }}) as person_id
    from patients
    left join crosswalk
        on
            patients.patient_id = crosswalk.patient_id
            and coalesce(patients.issuer_of_patient_id, '') = coalesce(crosswalk.issuer_of_patient_id, '')

)

select * from final
