{#- The clinical visit of each image series and each study: the visit of the same person whose
    dates contain the image date (visit_start_date <= date <= visit_end_date, a visit without an
    end date lasting its start day). Ties, in this order: the visit that started last (the most
    specific), then the shortest, then the smallest visit_occurrence_id. -#}

with

series as (

    select * from {{ ref('int_dicom__series') }}

),

studies as (

    select * from {{ ref('int_dicom__studies') }}

),

patients as (

    select * from {{ ref('int_dicom__patients') }}
    where person_id is not null

),

visits as (

    select * from {{ ref('stg_clinical__visits') }}

),

dated_events as (

    select
        'series' as event_kind,
        series.series_instance_uid as event_uid,
        patients.person_id,
        series.series_effective_date as event_date
    from series
    inner join patients
        on series.patient_key = patients.patient_key

    union all

    select
        'study' as event_kind,
        studies.study_instance_uid as event_uid,
        patients.person_id,
        studies.study_effective_date as event_date
    from studies
    inner join patients
        on studies.patient_key = patients.patient_key

),

candidates as (

    select
        dated_events.event_kind,
        dated_events.event_uid,
        visits.visit_occurrence_id,
        visits.visit_concept_id,
        visits.visit_start_date,
        row_number() over (
            partition by dated_events.event_kind, dated_events.event_uid
            order by
                visits.visit_start_date desc,
                {{ dbt.datediff(
                    'visits.visit_start_date',
                    'coalesce(visits.visit_end_date, visits.visit_start_date)',
                    'day'
                ) }} asc,
                visits.visit_occurrence_id asc
        ) as preference
    from dated_events
    inner join visits
        on
            dated_events.person_id = visits.person_id
            and dated_events.event_date >= visits.visit_start_date
            and dated_events.event_date <= coalesce(visits.visit_end_date, visits.visit_start_date)

),

final as (

    select
        event_kind,
        event_uid,
        visit_occurrence_id,
        visit_concept_id,
        visit_start_date
    from candidates
    where preference = 1

)

select * from final
