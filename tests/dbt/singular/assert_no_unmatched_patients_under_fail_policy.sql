{#- With unmatched_patient_policy 'fail', any DICOM patient that neither the crosswalk nor the
    clinical PERSON table matches fails the build (docs/linkage.md). Returns those patients. -#}
{#- Always enabled, empty under the other policies: the setting is read when the test runs. -#}

with

patients as (

    select * from {{ ref('int_dicom__patients') }}

),

final as (

    select
        patient_key,
        study_count
    from patients
    where
        link_method = 'unmatched'
        and '{{ setting("unmatched_patient_policy") }}' = 'fail'

)

select * from final
