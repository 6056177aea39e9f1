{#- OMOP PERSON: one person per DICOM patient (Issuer of Patient ID + Patient ID), person_id from
    the crosswalk when linked, else derived from the patient key. Year of birth from Patient's
    Birth Date, gender from Patient's Sex, where the header has them. -#}

with

patients as (

    select * from {{ ref('int_dicom__patients') }}

),

gender_concepts as (

    select
        concept_code,
        concept_id
    from {{ ref('concept') }}
    where vocabulary_id = 'Gender'

),

final as (

    select
        patients.person_id,
        coalesce(gender_concepts.concept_id, 0) as gender_concept_id,
        cast(extract(year from patients.birth_date) as integer) as year_of_birth,
        cast(extract(month from patients.birth_date) as integer) as month_of_birth,
        cast(extract(day from patients.birth_date) as integer) as day_of_birth,
        cast(patients.birth_date as {{ dbt.type_timestamp() }}) as birth_datetime,
        0 as race_concept_id,
        0 as ethnicity_concept_id,
        cast(null as integer) as location_id,
        cast(null as integer) as provider_id,
        cast(null as integer) as care_site_id,
        cast(
            case
                when patients.issuer_of_patient_id is not null
                    then patients.issuer_of_patient_id || ':' || patients.patient_id
                else patients.patient_id
            end as varchar(50)
        ) as person_source_value,
        cast(patients.patient_sex as varchar(50)) as gender_source_value,
        0 as gender_source_concept_id,
        cast(null as varchar(50)) as race_source_value,
        0 as race_source_concept_id,
        cast(null as varchar(50)) as ethnicity_source_value,
        0 as ethnicity_source_concept_id
    from patients
    left join gender_concepts
        on
            patients.patient_sex_count = 1
            and upper(trim(patients.patient_sex)) = gender_concepts.concept_code

)

select * from final
