{#-
    Spark names two of the types the project's SQL and contracts use differently: `text` is
    `string` there and `double precision` is `double` (varchar(n), integer, bigint, numeric(p, s),
    date, timestamp and boolean are Spark types as written). dbt builds a contract's expected
    schema with dbt.cast(), so translating here lets the yml keep one data_type for every engine.
-#}
{% macro spark_data_type(data_type) -%}
    {%- set names = {'text': 'string', 'double precision': 'double'} -%}
    {{ return(names.get(data_type | trim | lower, data_type)) }}
{%- endmacro %}

{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_data_type(type) }})
{%- endmacro %}
