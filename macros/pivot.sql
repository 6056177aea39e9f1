{#- One column of a key/value pivot: the value of `tag` within the group (one value per group). -#}
{% macro pivot_value(tag, column='value_text') -%}
    max(case when tag = '{{ tag }}' then {{ column }} end)
{%- endmacro %}

{#- The DICOM concept_code of a tag: repeating groups (50xx curves, 60xx overlays) as '60xx0010'. -#}
{% macro attribute_code(tag_expression) -%}
    case
        when substr({{ tag_expression }}, 1, 2) in ('50', '60')
            then substr({{ tag_expression }}, 1, 2) || 'xx' || substr({{ tag_expression }}, 5, 4)
        else {{ tag_expression }}
    end
{%- endmacro %}

{#- The non-NULL values of a group joined by a delimiter in the order of order_expression; NULL
    when there are none (dbt.listagg drops the order on Spark). -#}
{% macro ordered_string_agg(expression, delimiter, order_expression) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'omop_imaging')(expression, delimiter, order_expression)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expression, delimiter, order_expression) -%}
    string_agg({{ expression }}, {{ delimiter }} order by {{ order_expression }})
{%- endmacro %}

{% macro spark__ordered_string_agg(expression, delimiter, order_expression) -%}
    case when count({{ expression }}) > 0 then array_join(
        transform(
            array_sort(collect_list(struct({{ order_expression }} as sort_key, {{ expression }} as item))),
            pair -> pair.item
        ),
        {{ delimiter }}
    ) end
{%- endmacro %}
