{#- The header values that become MEASUREMENT / IMAGE_FEATURE rows, one row per series and value.
    Sources, beyond the MI-CDM paper's top-level VR filter:
    - every component of a multi-valued attribute (value_index);
    - enhanced multi-frame objects: an attribute from the shared functional groups, else from the
      first frame's functional groups, when the top level lacks it;
    - coded sequence items (Code Value + Coding Scheme Designator), one row per item. -#}

{{ config(**build_scope_config()) }}

{%- set kept_vrs = "('" ~ setting('measurement_value_vrs') | join("', '") ~ "')" -%}
{%- set extra_tags = "('" ~ setting('measurement_extra_tags') | join("', '") ~ "')" -%}
{%- set private_group_digits = "('1', '3', '5', '7', '9', 'B', 'D', 'F')" -%}

with

elements as (

    select * from {{ ref('int_dicom__representative_elements') }}
    where {{ in_build_scope('series_instance_uid') }}

),

plain_values as (

    select
        series_instance_uid,
        file_id,
        sequence_path,
        case
            when sequence_path = '' then 'header'
            when sequence_path like '52009229[0]/%' then 'shared_functional_groups'
            else 'per_frame_functional_groups'
        end as value_source,
        tag,
        vr,
        value_index,
        value_text,
        value_number
    from elements
    where
        (vr in {{ kept_vrs }} or tag in {{ extra_tags }})
        and substr(tag, 4, 1) not in {{ private_group_digits }}
        and value_text is not null
        and {{ dbt.length('value_text') }} <= {{ setting('measurement_max_value_length') }}
        and (
            sequence_path = ''
            or (
                (sequence_path like '52009229[0]/%' or sequence_path like '52009230[0]/%')
                and sequence_path not like '%/%/%'
                and sequence_path like '%[0]'
            )
        )

),

-- an attribute from the functional groups only where the top level (then the shared groups) lacks it
ranked_plain_values as (

    select
        *,
        dense_rank() over (
            partition by series_instance_uid, tag
            order by
                case value_source when 'header' then 0 when 'shared_functional_groups' then 1 else 2 end,
                sequence_path
        ) as source_rank
    from plain_values

),

coded_items as (

    select
        series_instance_uid,
        file_id,
        sequence_path,
        {{ pivot_value('00080100') }} as code_value,
        {{ pivot_value('00080102') }} as coding_scheme_designator,
        {{ pivot_value('00080104') }} as code_meaning
    from elements
    where
        sequence_path <> ''
        and sequence_path not like '%/%'
        and value_index = 0
        and tag in ('00080100', '00080102', '00080104')
    group by series_instance_uid, file_id, sequence_path

),

coded_values as (

    select
        series_instance_uid,
        file_id,
        '' as sequence_path,
        'coded_sequence' as value_source,
        substr(sequence_path, 1, 8) as tag,
        'SQ' as vr,
        cast({{ dbt.split_part(dbt.split_part('sequence_path', "'['", 2), "']'", 1) }} as integer) as value_index,
        code_value as value_text,
        cast(null as {{ type_double() }}) as value_number,
        coding_scheme_designator,
        code_meaning
    from coded_items
    where
        code_value is not null
        and coding_scheme_designator is not null
        and substr(sequence_path, 4, 1) not in {{ private_group_digits }}

),

unioned as (

    select
        series_instance_uid,
        file_id,
        sequence_path,
        value_source,
        tag,
        vr,
        value_index,
        value_text,
        value_number,
        cast(null as {{ dbt.type_string() }}) as coding_scheme_designator,
        cast(null as {{ dbt.type_string() }}) as code_meaning
    from ranked_plain_values
    where source_rank = 1

    union all

    select
        series_instance_uid,
        file_id,
        sequence_path,
        value_source,
        tag,
        vr,
        value_index,
        value_text,
        value_number,
        coding_scheme_designator,
        code_meaning
    from coded_values

),

final as (

    select
        {{ stable_id("'header_value|' || series_instance_uid || '|' || sequence_path || '|' || tag || '|' || "
            ~ dbt.cast('value_index', dbt.type_string())) }} as header_value_id,
        series_instance_uid,
        file_id,
        sequence_path,
        value_source,
        tag,
        {{ attribute_code('tag') }} as attribute_code,
        vr,
        value_index,
        value_text,
        value_number,
        coding_scheme_designator,
        code_meaning
    from unioned

)

select * from final
