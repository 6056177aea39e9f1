{#- OMOP PERSON: one row per person_id of the imaged patients, plus (clinical_source 'demo') every
    demo clinical person, so every person_id of the CDM schema resolves here. A patient linked to
    the clinical database keeps that person's gender and year of birth; otherwise they come from
    the header: Patient's Sex, a plausible Patient's Birth Date, else the study year minus Patient's
    Age (int_dicom__patients). Patients left out by the 'skip' / 'fail' policies or without any
    year of birth (missing_birth_year_policy 'skip') are not here (see unlinked_patients).
    Delivering into an existing CDM (cdm_delivery, docs/delivery.md): only the persons the build creates. -#}
{{ config(**shared_cdm_table_config('person_id', 'id_map__person')) }}

with

patients as (

    select * from {{ ref('int_dicom__patients') }}
    where
        person_id is not null
        -- delivering into an existing CDM, the linked persons are the site's rows already
        and {{ "link_method = 'created'" if delivers_into_existing_cdm() else "1 = 1" }}

),

clinical_persons as (

    select * from {{ ref('stg_clinical__persons') }}

),

gender_concepts as (

    select
        concept_code,
        concept_id
    from {{ ref('concept') }}
    where vocabulary_id = 'Gender'

),

-- several DICOM patient keys can point at one person (e.g. two issuers): one row each
persons as (

    select
        person_id,
        min(birth_date) as birth_date,
        min(year_of_birth) as year_of_birth,
        min(patient_sex) as patient_sex,
        max(patient_sex_count) as patient_sex_count,
        count(distinct patient_sex) as distinct_sex_count,
        min(
            case
                when issuer_of_patient_id is not null then issuer_of_patient_id || ':' || patient_id
                else patient_id
            end
        ) as person_source_value
    from patients
    group by person_id

),

imaged as (

    select
        persons.person_id,
        coalesce(clinical_persons.gender_concept_id, header_gender.concept_id, 0) as gender_concept_id,
        coalesce(
            clinical_persons.year_of_birth, persons.year_of_birth
        ) as year_of_birth,
        cast(extract(month from persons.birth_date) as integer) as month_of_birth,
        cast(extract(day from persons.birth_date) as integer) as day_of_birth,
        cast(persons.birth_date as {{ dbt.type_timestamp() }}) as birth_datetime,
        0 as race_concept_id,
        0 as ethnicity_concept_id,
        cast(null as integer) as location_id,
        cast(null as integer) as provider_id,
        cast(null as integer) as care_site_id,
        cast(persons.person_source_value as varchar(50)) as person_source_value,
        cast(persons.patient_sex as varchar(50)) as gender_source_value,
        0 as gender_source_concept_id,
        cast(null as varchar(50)) as race_source_value,
        0 as race_source_concept_id,
        cast(null as varchar(50)) as ethnicity_source_value,
        0 as ethnicity_source_concept_id
    from persons
    left join clinical_persons
        on persons.person_id = clinical_persons.person_id
    left join gender_concepts as header_gender
        on
            persons.patient_sex_count = 1
            and persons.distinct_sex_count = 1
            and upper(trim(persons.patient_sex)) = header_gender.concept_code

),

-- the demo clinical persons without images: published so the demo visits and periods resolve
clinical_only as (

    select
        clinical_persons.person_id,
        clinical_persons.gender_concept_id,
        clinical_persons.year_of_birth,
        cast(null as integer) as month_of_birth,
        cast(null as integer) as day_of_birth,
        cast(null as {{ dbt.type_timestamp() }}) as birth_datetime,
        0 as race_concept_id,
        0 as ethnicity_concept_id,
        cast(null as integer) as location_id,
        cast(null as integer) as provider_id,
        cast(null as integer) as care_site_id,
        cast(clinical_persons.person_source_value as varchar(50)) as person_source_value,
        cast(null as varchar(50)) as gender_source_value,
        0 as gender_source_concept_id,
        cast(null as varchar(50)) as race_source_value,
        0 as race_source_concept_id,
        cast(null as varchar(50)) as ethnicity_source_value,
        0 as ethnicity_source_concept_id
    from clinical_persons
    where
        '{{ setting("clinical_source") }}' = 'demo'
        and clinical_persons.person_id not in (select imaged.person_id from imaged)

),

final as (

    select * from imaged
    union all
    select * from clinical_only

)

select
    cast(person_id as {{ cdm_id_type() }}) as person_id,
    gender_concept_id,
    year_of_birth,
    month_of_birth,
    day_of_birth,
    birth_datetime,
    race_concept_id,
    ethnicity_concept_id,
    location_id,
    provider_id,
    care_site_id,
    person_source_value,
    gender_source_value,
    gender_source_concept_id,
    race_source_value,
    race_source_concept_id,
    ethnicity_source_value,
    ethnicity_source_concept_id
from final
