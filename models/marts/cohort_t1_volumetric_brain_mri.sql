{#- Built-in cohort of the MI-CDM paper: T1-weighted volumetric MRI series by the published TR / TE / TI
    rule (macro t1_volumetric_rule), over the series catalog. -#}

with

series_catalog as (

    select * from {{ ref('series_catalog') }}

),

final as (

    select *
    from series_catalog
    where
        modality = 'MR'
        and {{ t1_volumetric_rule('repetition_time_ms', 'echo_time_ms', 'inversion_time_ms') }}

)

select * from final
