{#- measurement_id by header value or classifier result (the measurement keys of
    int_dicom__measurements; macros/ids.sql); delivering into an existing CDM, new IDs above its
    MEASUREMENT table's largest ID (macros/cdm_delivery.sql). -#}
{{ append_id_map(
    "select 'measurement|' || " ~ dbt.cast('header_value_id', dbt.type_string()) ~ " as source_key from "
    ~ ref('int_dicom__header_value_concepts') ~ " where " ~ in_build_scope('series_instance_uid')
    ~ " union all select 'measurement|' || feature_key as source_key from "
    ~ ref('int_classification__series_classification_features') ~ " where " ~ in_build_scope('series_instance_uid'),
    existing_cdm_floor_sql('measurement', 'measurement_id')
) }}
