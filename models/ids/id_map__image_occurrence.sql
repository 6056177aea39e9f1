{#- image_occurrence_id (= radiology_series_id) by series (macros/ids.sql). -#}
{{ append_id_map(
    "select 'series|' || series_instance_uid as source_key from " ~ ref('int_dicom__series')
    ~ " where " ~ in_build_scope('series_instance_uid')
) }}
