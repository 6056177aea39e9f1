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
