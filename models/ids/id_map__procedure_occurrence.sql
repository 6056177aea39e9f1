{#- procedure_occurrence_id (= radiology_occurrence_id) by study (macros/ids.sql). -#}
{{ append_id_map("select 'study|' || study_instance_uid as source_key from " ~ ref('int_dicom__studies')) }}
