{#-
    Keyword tests on upper-case free text (descriptions, sequence names) for the header classifier.
    contains_any: any of the strings occurs anywhere (for long, distinctive keywords: 'FLAIR').
    matches_any_word: any of the words occurs between non-alphanumeric characters or the ends of
    the text (for short keywords: 'T1' matches 'T1_MPRAGE' and 'AX T1 +C', not 'T10' or 'MT1X').
    Words are regular-expression fragments: write '*' as '[*]'.
-#}
{% macro contains_any(expression, strings) -%}
    ({% for text in strings %}{{ expression }} like '%{{ text }}%'{% if not loop.last %} or {% endif %}{% endfor %})
{%- endmacro %}

{% macro matches_any_word(expression, words) -%}
    coalesce({{ regex_matches(expression, "'(^|[^A-Z0-9])(" ~ words | join('|') ~ ")([^A-Z0-9]|$)'") }}, false)
{%- endmacro %}

{#- In a group by series over representative elements: the first value of `tag` at the top level, else in
    the shared, else in the first frame's functional groups of an enhanced multi-frame object. -#}
{% macro header_or_functional_group(tag, column) -%}
    coalesce(
        max(case when tag = '{{ tag }}' and sequence_path = '' and value_index = 0 then {{ column }} end),
        max(
            case
                when tag = '{{ tag }}' and sequence_path like '52009229[0]/%' and value_index = 0 then {{ column }}
            end
        ),
        max(
            case
                when tag = '{{ tag }}' and sequence_path like '52009230[0]/%' and value_index = 0 then {{ column }}
            end
        )
    )
{%- endmacro %}

{#- IMAGE_FEATURE.alg_system of the header classifier's rows: its name and version (dbt var
    classifier_version; raise it whenever a rule or threshold changes). -#}
{% macro classifier_system() -%}
    'omop-imaging header classifier {{ setting("classifier_version") }}'
{%- endmacro %}
