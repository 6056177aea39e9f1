{#- MI-CDM IMAGE_OCCURRENCE: one row per DICOM series. -#}
{{ config(**build_scope_config('image_occurrence_id', 'image_occurrence')) }}

{%- set base_url = setting('dicomweb_base_url') | trim('/') -%}

with

series as (

    select * from {{ ref('int_dicom__series') }}
    where {{ in_build_scope('series_instance_uid') }}

),

series_concepts as (

    select * from {{ ref('int_dicom__series_concepts') }}
    where {{ in_build_scope('series_instance_uid') }}

),

-- patients left unlinked by the 'skip' / 'fail' policy have no person: see unlinked_patients
patients as (

    select * from {{ ref('int_dicom__patients') }}
    where person_id is not null

),

image_occurrence_ids as (

    select * from {{ ref('id_map__image_occurrence') }}

),

procedure_occurrence_ids as (

    select * from {{ ref('id_map__procedure_occurrence') }}

),

visit_links as (

    select * from {{ ref('int_linkage__visit_links') }}
    where event_kind = 'series'

),

final as (

    select
        cast(image_occurrence_ids.cdm_id as {{ cdm_id_type() }}) as image_occurrence_id,
        patients.person_id,
        cast(procedure_occurrence_ids.cdm_id as {{ cdm_id_type() }}) as procedure_occurrence_id,
        cast(visit_links.visit_occurrence_id as {{ cdm_id_type() }}) as visit_occurrence_id,
        series_concepts.anatomic_site_concept_id,
        {% if base_url -%}
            cast(
                '{{ base_url }}/studies/' || series.study_instance_uid || '/series/' || series.series_instance_uid
                as {{ dbt.type_string() }}
            )
        {%- else -%}
            cast(null as {{ dbt.type_string() }})
        {%- endif %} as wadors_uri,
        series.local_path,
        series.series_effective_date as image_occurrence_date,
        cast(series.study_instance_uid as varchar(250)) as image_study_uid,
        cast(series.series_instance_uid as varchar(250)) as image_series_uid,
        series_concepts.modality_concept_id
    from series
    inner join series_concepts
        on series.series_instance_uid = series_concepts.series_instance_uid
    inner join patients
        on series.patient_key = patients.patient_key
    inner join image_occurrence_ids
        on 'series|' || series.series_instance_uid = image_occurrence_ids.source_key
    inner join procedure_occurrence_ids
        on 'study|' || series.study_instance_uid = procedure_occurrence_ids.source_key
    left join visit_links
        on series.series_instance_uid = visit_links.event_uid

)

select * from final
