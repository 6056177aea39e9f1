{#- Typed values: each parse is guarded by the VR, and a malformed value becomes NULL and is
    flagged is_unparsable. -#}
{%- set numeric_vrs = "('DS', 'IS', 'FL', 'FD', 'SL', 'SS', 'SV', 'UL', 'US', 'UV')" -%}

with

source as (

    select * from {{ source('dicom', 'header_element') }}

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
            when vr in {{ numeric_vrs }} then {{ try_parse_dicom_number('value_text') }}
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
                (vr in {{ numeric_vrs }} and value_number is null)
                or (vr in ('DA', 'DT') and value_date is null)
                or (vr = 'TM' and value_time is null)
            ),
            false
        ) as is_unparsable
    from typed

)

select * from flagged
