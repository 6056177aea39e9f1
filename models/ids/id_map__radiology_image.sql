{#- radiology_image_id by SOP instance (macros/ids.sql). -#}
{{ append_id_map(
    "select 'image|' || sop_instance_uid as source_key from " ~ ref('int_dicom__instances')
    ~ " where " ~ in_build_scope('series_instance_uid')
) }}
