{#- With unmatched_patient_policy 'fail', any DICOM patient that neither the crosswalk nor the
    clinical PERSON table matches fails the build (docs/linkage.md). Returns those patients. -#}
{{ config(enabled=var('unmatched_patient_policy') == 'fail') }}

with

patients as (

    select * from {{ ref('int_dicom__patients') }}

),

final as (

    select
        patient_key,
        study_count
    from patients
    where link_method = 'unmatched'

)

select * from final
