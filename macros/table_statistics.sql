{#-
    After a table is built or a seed loaded: the statistics PostgreSQL plans the next models'
    queries by. dbt gathers none, and autovacuum (off on some servers, asynchronous on all) would
    only after the models that read the table ran; PostgreSQL then guesses row counts (at 1 M
    instances int_dicom__nonconforming_values took 107 s on guesses, 0.8 s with statistics). A
    project-wide post-hook (dbt_project.yml); DuckDB keeps statistics as it writes, and Spark needs
    none here.
-#}
{% macro refresh_table_statistics() -%}
    {{ return(adapter.dispatch('refresh_table_statistics', 'omop_imaging')()) }}
{%- endmacro %}

{% macro default__refresh_table_statistics() -%}
{%- endmacro %}

{% macro postgres__refresh_table_statistics() -%}
    {%- if config.get('materialized') in ['table', 'incremental', 'seed'] -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
