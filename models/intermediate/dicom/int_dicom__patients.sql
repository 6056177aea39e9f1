{#- One row per DICOM patient (Issuer of Patient ID + Patient ID) and its OMOP person_id, linked
    in this order (docs/linkage.md):
    1. person_crosswalk (seeds/linkage), by issuer and Patient ID;
    2. the clinical PERSON table (setting clinical_source), whose person_source_value equals the
       Patient ID or '<issuer>:<Patient ID>' (only when exactly one person matches);
    3. no match: setting unmatched_patient_policy decides: 'create' gives the patient key's person_id
       from id_map__person; 'skip' and 'fail' leave it NULL (the patient is listed in unlinked_patients,
       and with 'fail' a test fails the build). No patient is dropped silently.
    Year of birth (CDM-required): Patient's Birth Date when plausible (setting min_plausible_birth_year
    up to the first imaging date; an implausible one is flagged, imaging_quality.implausible_birth_dates),
    else the first study's year minus Patient's Age in years. A patient the build would create
    without either: setting missing_birth_year_policy, 'skip' (link_method 'no_birth_year', listed in
    unlinked_patients) or 'create'. -#}

with

series as (

    select * from {{ ref('int_dicom__series') }}

),

crosswalk as (

    select * from {{ ref('person_crosswalk') }}

),

person_ids as (

    select * from {{ ref('id_map__person') }}

),

clinical_persons as (

    select * from {{ ref('stg_clinical__persons') }}

),

patients as (

    select
        patient_key,
        min(patient_id) as patient_id,
        min(issuer_of_patient_id) as issuer_of_patient_id,
        min(patient_birth_date) as header_birth_date,
        min(series_effective_date) as first_imaging_date,
        -- the study year minus Patient's Age 'nnnY' (age at the study; the earliest year when series disagree)
        min(
            case
                when patient_age like '___Y'
                    then
                        extract(year from coalesce(study_date, series_effective_date))
                        - {{ try_parse_dicom_integer("substr(patient_age, 1, 3)") }}
            end
        ) as age_birth_year,
        min(patient_sex) as patient_sex,
        count(distinct patient_sex) as patient_sex_count,
        count(distinct study_instance_uid) as study_count,
        count(*) as series_count
    from series
    group by patient_key

),

-- clinical persons by the source value an image's patient would carry; ambiguous values are dropped
clinical_keys as (

    select
        person_source_value,
        min(person_id) as person_id
    from clinical_persons
    where person_source_value is not null
    group by person_source_value
    having count(*) = 1

),

plausible_births as (

    select
        patients.*,
        case
            when
                extract(year from patients.header_birth_date) >= {{ setting("min_plausible_birth_year") }}
                and (patients.first_imaging_date is null or patients.header_birth_date <= patients.first_imaging_date)
                then patients.header_birth_date
        end as birth_date,
        patients.header_birth_date is not null
        and (
            extract(year from patients.header_birth_date) < {{ setting("min_plausible_birth_year") }}
            or patients.header_birth_date > patients.first_imaging_date
        ) as has_implausible_birth_date
    from patients

),

dated_patients as (

    select
        plausible_births.*,
        cast(
            coalesce(
                extract(year from plausible_births.birth_date),
                case
                    when plausible_births.age_birth_year >= {{ setting("min_plausible_birth_year") }}
                        then plausible_births.age_birth_year
                end
            ) as integer
        ) as year_of_birth
    from plausible_births

),

linked as (

    select
        patients.*,
        crosswalk.person_id as crosswalk_person_id,
        coalesce(qualified_match.person_id, plain_match.person_id) as clinical_person_id,
        person_ids.cdm_id as created_person_id
    from dated_patients as patients
    inner join person_ids
        on patients.patient_key = person_ids.source_key
    left join crosswalk
        on
            patients.patient_id = crosswalk.patient_id
            and coalesce(patients.issuer_of_patient_id, '') = coalesce(crosswalk.issuer_of_patient_id, '')
    left join clinical_keys as qualified_match
        on patients.issuer_of_patient_id || ':' || patients.patient_id = qualified_match.person_source_value
    left join clinical_keys as plain_match
        on patients.patient_id = plain_match.person_source_value

),

final as (

    select
        patient_key,
        patient_id,
        issuer_of_patient_id,
        birth_date,
        has_implausible_birth_date,
        year_of_birth,
        patient_sex,
        patient_sex_count,
        study_count,
        series_count,
        case
            when crosswalk_person_id is not null then 'crosswalk'
            when clinical_person_id is not null then 'clinical_person'
            when
                '{{ setting("unmatched_patient_policy") }}' = 'create'
                and '{{ setting("missing_birth_year_policy") }}' = 'skip'
                and year_of_birth is null
                then 'no_birth_year'
            when '{{ setting("unmatched_patient_policy") }}' = 'create' then 'created'
            else 'unmatched'
        end as link_method,
        crosswalk_person_id is not null or clinical_person_id is not null as is_linked,
        cast(
            case
                when crosswalk_person_id is not null then crosswalk_person_id
                when clinical_person_id is not null then clinical_person_id
                when
                    '{{ setting("unmatched_patient_policy") }}' = 'create'
                    and '{{ setting("missing_birth_year_policy") }}' = 'skip'
                    and year_of_birth is null
                    then null
                when '{{ setting("unmatched_patient_policy") }}' = 'create' then created_person_id
            end as {{ cdm_id_type() }}
        ) as person_id
    from linked

)

select * from final
