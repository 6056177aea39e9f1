{#- The series this build rebuilds in the models built by scope (macros/build_scope.sql): those
    the harvest touched since the last build (the ledger dicom_raw.touched_series, with the time
    it was last touched, touched_through, so that on-run-end clears what was read), and every
    series of the same patients and studies, as staging holds them now and as the last build had
    them. On the first build, when there is no last build, only the touched series. -#}
{{ config(materialized='table') }}
{%- set previous_series = previous_build_relation('int_dicom__series') %}

with

touched as (

    select
        series_instance_uid,
        max(touched_at) as touched_through
    from {{ source('dicom', 'touched_series') }}
    group by series_instance_uid

),

-- the series as the last build left them (read before int_dicom__series is rebuilt)
previous as (

    {% if previous_series is none -%}
        select
            cast(null as {{ dbt.type_string() }}) as series_instance_uid,
            cast(null as {{ dbt.type_string() }}) as study_instance_uid,
            cast(null as {{ dbt.type_string() }}) as patient_key
        where 1 = 0
    {%- else -%}
        select
            series_instance_uid,
            study_instance_uid,
            patient_key
        from {{ previous_series }}
    {%- endif %}

),

representatives as (

    select
        files.file_id,
        files.series_instance_uid,
        files.study_instance_uid
    from {{ ref('stg_dicom__files') }} as files
    inner join touched
        on files.series_instance_uid = touched.series_instance_uid
    where files.is_harvested and files.is_series_representative

),

patient_ids as (

    select
        elements.file_id,
        {{ pivot_value('00100020') }} as patient_id,
        {{ pivot_value('00100021') }} as issuer_of_patient_id
    from {{ ref('stg_dicom__elements') }} as elements
    inner join representatives
        on elements.file_id = representatives.file_id
    where
        elements.is_top_level
        and elements.value_index = 0
        and elements.tag in ('00100020', '00100021')
    group by elements.file_id

),

-- the patients and studies of the touched series, now and at the last build
touched_keys as (

    select
        representatives.study_instance_uid,
        {{ patient_key(
            'patient_ids.patient_id', 'patient_ids.issuer_of_patient_id', 'representatives.study_instance_uid'
        ) }} as patient_key
    from representatives
    left join patient_ids
        on representatives.file_id = patient_ids.file_id

    union

    select
        previous.study_instance_uid,
        previous.patient_key
    from previous
    inner join touched
        on previous.series_instance_uid = touched.series_instance_uid

),

related as (

    select previous.series_instance_uid
    from previous
    where
        previous.patient_key in (select touched_keys.patient_key from touched_keys)
        or previous.study_instance_uid in (select touched_keys.study_instance_uid from touched_keys)

),

final as (

    select
        series_instance_uid,
        touched_through
    from touched

    union all

    select
        series_instance_uid,
        cast(null as {{ dbt.type_timestamp() }}) as touched_through
    from related
    where series_instance_uid not in (select touched.series_instance_uid from touched)

)

select * from final
