{#- Built-in cohort of the R-CDM paper: axial, pre-contrast brain CT series acquired on the day of an
    emergency-room visit (setting emergency_visit_concept_ids) during which a cerebral hemorrhage was
    recorded (setting hemorrhage_condition_concept_ids; the condition belongs to the visit, or starts
    within its dates). Plane and contrast come from the header classifier; "brain CT" is Body Part
    Examined HEAD or BRAIN. -#}

with

series_catalog as (

    select * from {{ ref('series_catalog') }}

),

visits as (

    select * from {{ ref('stg_clinical__visits') }}

),

conditions as (

    select * from {{ ref('stg_clinical__conditions') }}

),

hemorrhage_er_visits as (

    select distinct
        visits.visit_occurrence_id,
        visits.person_id,
        visits.visit_start_date
    from visits
    inner join conditions
        on
            visits.person_id = conditions.person_id
            and (
                visits.visit_occurrence_id = conditions.visit_occurrence_id
                or conditions.condition_start_date between visits.visit_start_date
                and coalesce(visits.visit_end_date, visits.visit_start_date)
            )
    where
        visits.visit_concept_id in ({{ setting('emergency_visit_concept_ids') | join(', ') }})
        and conditions.condition_concept_id in ({{ setting('hemorrhage_condition_concept_ids') | join(', ') }})

),

final as (

    select
        series_catalog.*,
        cast(hemorrhage_er_visits.visit_occurrence_id as {{ cdm_id_type() }}) as emergency_visit_occurrence_id
    from series_catalog
    inner join hemorrhage_er_visits
        on
            series_catalog.person_id = hemorrhage_er_visits.person_id
            and series_catalog.image_occurrence_date = hemorrhage_er_visits.visit_start_date
    where
        series_catalog.modality = 'CT'
        and series_catalog.body_part_examined in ('HEAD', 'BRAIN')
        and series_catalog.image_plane = 'AXIAL'
        and series_catalog.contrast_status = 'WITHOUT_CONTRAST'

)

select * from final
