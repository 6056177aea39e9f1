{#- image_feature_id by header value or classifier result (image_feature_key of
    int_dicom__measurements; macros/ids.sql). -#}
{{ append_id_map(
    "select 'image_feature|' || " ~ dbt.cast('header_value_id', dbt.type_string()) ~ " as source_key from "
    ~ ref('int_dicom__header_value_concepts') ~ " where " ~ in_build_scope('series_instance_uid')
    ~ " union all select 'image_feature|' || feature_key as source_key from "
    ~ ref('int_classification__series_classification_features') ~ " where " ~ in_build_scope('series_instance_uid')
) }}
