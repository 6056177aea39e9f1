{#-
    The typed element rows of staging (stg_dicom__elements), defined once: each parse is guarded by
    the VR, and a malformed value becomes NULL and is flagged is_unparsable.
-#}

{%- macro dicom_numeric_vrs() -%}
    ('DS', 'IS', 'FL', 'FD', 'SL', 'SS', 'SV', 'UL', 'US', 'UV')
{%- endmacro -%}

{#- The harvest's raw element rows that `raw_filter` keeps (a condition on its columns), typed. -#}
{% macro typed_dicom_elements(raw_filter='true') -%}
with

source as (

    select * from {{ source('dicom', 'header_element') }}
    where {{ raw_filter }}

),

typed as (

    select
        file_id,
        study_instance_uid,
        series_instance_uid,
        sop_instance_uid,
        sequence_path,
        sequence_path = '' as is_top_level,
        tag,
        keyword,
        vr,
        value_index,
        value_text,
        instance_level as is_instance_level,
        case
            when vr in {{ dicom_numeric_vrs() }} then {{ try_parse_dicom_number('value_text') }}
        end as value_number,
        case
            when vr = 'DA' then {{ try_parse_dicom_date('value_text') }}
            when vr = 'DT' then {{ try_parse_dicom_date('substr(value_text, 1, 8)') }}
        end as value_date,
        case
            when vr = 'TM' then {{ try_parse_dicom_time('value_text') }}
        end as value_time,
        case
            when vr = 'DT' then {{ try_parse_dicom_datetime('value_text') }}
        end as value_datetime
    from source

),

flagged as (

    {#- A data-quality flag: a value present whose VR has a typed column that stayed NULL. #}
    select
        *,
        coalesce(
            value_text is not null
            and (
                (vr in {{ dicom_numeric_vrs() }} and value_number is null)
                or (vr in ('DA', 'DT') and value_date is null)
                or (vr = 'TM' and value_time is null)
            ),
            false
        ) as is_unparsable
    from typed

)

select * from flagged
{%- endmacro %}

{#- The typed elements a model built by scope reads, as a relation to select from: on a build by
    scope only the rows of its series, filtered before they are typed; stg_dicom__elements
    otherwise. Filtering the view instead would type every row of the archive first: DuckDB does
    not push the join with the scope below the view's projection (4 s a model at 1 M instances,
    with nothing new). -#}
{% macro dicom_elements_in_build_scope() -%}
    {#- always named, so that dbt orders the model after the view it reads on a full build; the raw
        rows are the view's source, whose lineage the view shows (and unit tests give the view) -#}
    {%- set _view = ref('stg_dicom__elements') -%}
    {%- set condition = in_build_scope('file_id', 'file') -%}
    {%- if condition | trim == 'true' -%}
        {{ _view }}
    {%- else -%}
        ({{ typed_dicom_elements(condition) }})
    {%- endif -%}
{%- endmacro %}
