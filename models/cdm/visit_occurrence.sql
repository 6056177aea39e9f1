{#- OMOP VISIT_OCCURRENCE: the clinical visits of the persons the CDM schema publishes (every demo
    visit with clinical_source 'demo'; the linked persons' visits with 'schema'), so every
    visit_occurrence_id of the imaging rows resolves inside the CDM schema. The build creates no
    visits of its own. -#}
{#- the site's own table when delivering into an existing CDM (docs/delivery.md) -#}
{{ config(enabled=not delivers_into_existing_cdm()) }}

with

patients as (

    select * from {{ ref('int_dicom__patients') }}
    where person_id is not null

),

clinical_visits as (

    select * from {{ ref('stg_clinical__visits') }}

),

final as (

    select
        cast(clinical_visits.visit_occurrence_id as {{ cdm_id_type() }}) as visit_occurrence_id,
        cast(clinical_visits.person_id as {{ cdm_id_type() }}) as person_id,
        cast(clinical_visits.visit_concept_id as integer) as visit_concept_id,
        cast(clinical_visits.visit_start_date as date) as visit_start_date,
        cast(null as {{ dbt.type_timestamp() }}) as visit_start_datetime,
        cast(clinical_visits.visit_end_date as date) as visit_end_date,
        cast(null as {{ dbt.type_timestamp() }}) as visit_end_datetime,
        cast(clinical_visits.visit_type_concept_id as integer) as visit_type_concept_id,
        cast(null as integer) as provider_id,
        cast(null as integer) as care_site_id,
        cast(clinical_visits.visit_source_value as varchar(50)) as visit_source_value,
        0 as visit_source_concept_id,
        0 as admitted_from_concept_id,
        cast(null as varchar(50)) as admitted_from_source_value,
        0 as discharged_to_concept_id,
        cast(null as varchar(50)) as discharged_to_source_value,
        cast(null as integer) as preceding_visit_occurrence_id
    from clinical_visits
    where
        '{{ setting("clinical_source") }}' = 'demo'
        or clinical_visits.person_id in (select patients.person_id from patients)

)

select * from final
