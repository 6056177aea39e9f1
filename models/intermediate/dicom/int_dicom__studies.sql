{#- One row per study, from its series. -#}

with

series as (

    select * from {{ ref('int_dicom__series') }}

),

final as (

    select
        study_instance_uid,
        min(patient_key) as patient_key,
        count(distinct patient_key) as patient_key_count,
        min(study_date) as study_date,
        min(study_time) as study_time,
        min(series_effective_date) as first_series_date,
        coalesce(min(study_date), min(series_effective_date)) as study_effective_date,
        min(study_description) as study_description,
        min(accession_number) as accession_number,
        min(modality) as first_modality,
        count(distinct modality) as modality_count,
        min(body_part_examined) as first_body_part_examined,
        min(manufacturer) as manufacturer,
        count(*) as series_count,
        sum(instance_count) as instance_count
    from series
    group by study_instance_uid

)

select * from final
