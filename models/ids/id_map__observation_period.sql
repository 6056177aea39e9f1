{#- observation_period_id of the created persons' OBSERVATION_PERIOD rows, by patient key; new IDs
    above the clinical OBSERVATION_PERIOD table's largest ID (macros/ids.sql). -#}
{{ append_id_map(
    "select 'observation_period|' || patient_key as source_key from " ~ ref('int_dicom__series'),
    "select observation_period_id as floor_id from " ~ ref('stg_clinical__observation_periods')
) }}
