{#- OMOP OBSERVATION_PERIOD: the clinical periods of the persons the CDM schema publishes (every
    demo period with clinical_source 'demo'; the linked persons' periods with 'schema'), and for
    each person the build creates one period from its first to its last imaging date, so ATLAS can
    build cohorts on them. IDs of created periods: id_map__observation_period (above the clinical
    IDs). Delivering into an existing CDM (cdm_delivery, docs/delivery.md): only the created periods. -#}
{{ config(**shared_cdm_table_config('observation_period_id', 'id_map__observation_period')) }}

with

patients as (

    select * from {{ ref('int_dicom__patients') }}
    where person_id is not null

),

clinical_periods as (

    select * from {{ ref('stg_clinical__observation_periods') }}

),

period_ids as (

    select * from {{ ref('id_map__observation_period') }}

),

imaging_dates as (

    select
        patient_key,
        min(series_effective_date) as first_date,
        max(series_effective_date) as last_date
    from {{ ref('int_dicom__series') }}
    where series_effective_date is not null
    group by patient_key

),

published_clinical as (

    select
        clinical_periods.observation_period_id,
        clinical_periods.person_id,
        clinical_periods.observation_period_start_date,
        clinical_periods.observation_period_end_date,
        clinical_periods.period_type_concept_id
    from clinical_periods
    where
        {% if delivers_into_existing_cdm() -%}
            -- the site's rows already
            1 = 0
        {%- else -%}
            '{{ setting("clinical_source") }}' = 'demo'
            or clinical_periods.person_id in (select patients.person_id from patients)
        {%- endif %}

),

created as (

    select
        period_ids.cdm_id as observation_period_id,
        patients.person_id,
        imaging_dates.first_date as observation_period_start_date,
        imaging_dates.last_date as observation_period_end_date,
        {{ var('ehr_type_concept_id') }} as period_type_concept_id
    from patients
    inner join imaging_dates
        on patients.patient_key = imaging_dates.patient_key
    inner join period_ids
        on 'observation_period|' || patients.patient_key = period_ids.source_key
    where patients.link_method = 'created'

),

final as (

    select * from published_clinical
    union all
    select * from created

)

select
    cast(observation_period_id as {{ cdm_id_type() }}) as observation_period_id,
    cast(person_id as {{ cdm_id_type() }}) as person_id,
    cast(observation_period_start_date as date) as observation_period_start_date,
    cast(observation_period_end_date as date) as observation_period_end_date,
    cast(period_type_concept_id as integer) as period_type_concept_id
from final
