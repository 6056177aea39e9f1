{#-
    Stable identifiers: the one place where a text key becomes an integer ID.
    The first 60 bits of the key's MD5, so the same key gives the same ID on every engine, in
    every run, however much data arrives later (row numbers over a sort would not).
    Keys are namespaced ('series|<uid>', 'study|<uid>', ...) so two kinds of row never collide.
-#}
{% macro stable_id(key_expression) -%}
    {{ return(adapter.dispatch('stable_id', 'omop_imaging')(key_expression)) }}
{%- endmacro %}

{% macro default__stable_id(key_expression) -%}
    cast(cast(('x' || substr(md5({{ key_expression }}), 1, 15)) as bit(60)) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro duckdb__stable_id(key_expression) -%}
    cast(('0x' || substr(md5({{ key_expression }}), 1, 15)) as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- The folder part of a file path ('/a/b/c.dcm' -> '/a/b'). -#}
{% macro parent_directory(path_expression) -%}
    regexp_replace({{ path_expression }}, '/[^/]*$', '')
{%- endmacro %}
