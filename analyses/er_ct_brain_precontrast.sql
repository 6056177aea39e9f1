{#- The R-CDM paper's cohort: axial, pre-contrast brain CT series acquired on the day of an emergency-room
    visit for a cerebral hemorrhage. The definition is the model cohort_er_ct_brain_precontrast
    (models/marts, built by `omop-imaging build`, vars emergency_visit_concept_ids and
    hemorrhage_condition_concept_ids); this analysis lists the matching series with their files
    for a sub-cohort study. Compile with `omop-imaging dbt compile` and run the SQL in target/compiled. -#}

with

cohort_series as (

    select * from {{ ref('cohort_er_ct_brain_precontrast') }}

),

final as (

    select
        person_id,
        emergency_visit_occurrence_id,
        image_occurrence_date,
        image_study_uid,
        image_series_uid,
        instance_count,
        local_path,
        wadors_uri
    from cohort_series

)

select * from final
