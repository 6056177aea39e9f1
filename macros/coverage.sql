{#-
    One row of the ETL coverage report (the R-CDM paper, Tables 3 and 4): how many rows of `model` have
    `column` mapped. A concept_id column counts as mapped when it is neither NULL nor 0; a text
    column when it is neither NULL nor empty; any other column when it is not NULL.
-#}
{% macro coverage_row(model, column, kind='value') -%}
    {%- if kind == 'concept' -%}
        {%- set is_mapped = column ~ ' is not null and ' ~ column ~ ' <> 0' -%}
    {%- elif kind == 'text' -%}
        {%- set is_mapped = column ~ " is not null and trim(" ~ column ~ ") <> ''" -%}
    {%- else -%}
        {%- set is_mapped = column ~ ' is not null' -%}
    {%- endif -%}
    select
        cast('{{ model }}' as {{ dbt.type_string() }}) as table_name,
        cast('{{ column }}' as {{ dbt.type_string() }}) as column_name,
        count(*) as row_count,
        coalesce(sum(case when {{ is_mapped }} then 1 else 0 end), 0) as mapped_count
    from {{ ref(model) }}
{%- endmacro %}
