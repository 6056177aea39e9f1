{#- procedure_occurrence_id (= radiology_occurrence_id) by study (macros/ids.sql); delivering into an
    existing CDM, new IDs above its PROCEDURE_OCCURRENCE table's largest ID (macros/cdm_delivery.sql). -#}
{{ append_id_map(
    "select 'study|' || study_instance_uid as source_key from " ~ ref('int_dicom__studies'),
    existing_cdm_floor_sql('procedure_occurrence', 'procedure_occurrence_id')
) }}
