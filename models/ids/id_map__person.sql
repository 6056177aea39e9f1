{#- person_id of the persons the build creates (unmatched_patient_policy 'create'), by patient key;
    new IDs above the clinical PERSON table's largest person_id (macros/ids.sql). -#}
{{ append_id_map(
    "select patient_key as source_key from " ~ ref('int_dicom__series'),
    "select person_id as floor_id from " ~ ref('stg_clinical__persons')
) }}
