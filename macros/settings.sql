{#-
    The project's settings (clinical linkage, unmatched-patient and missing-birth-year policies,
    measurement rule, classifier thresholds; docs/settings.md): the defaults are the var
    `settings` in dbt_project.yml, and the database's own table <dicom_raw_schema>.project_setting
    (written by `omop-imaging settings --set`, `build --set` and `demo`) overrides them. Every
    command on a database, the CLI and plain `dbt run` alike, so builds it the same way.
    Nothing is read while dbt parses (no database then): a model whose refs or sources depend on a
    setting names every one of them in a `-- depends_on:` hint.
-#}
{% macro setting(name) -%}
    {%- set defaults = var('settings') -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error(
            "unknown setting '" ~ name ~ "': declare it under vars: settings: in dbt_project.yml") }}
    {%- endif -%}
    {%- if var(name, none) is not none -%}
        {{ exceptions.raise_compiler_error(
            "'" ~ name ~ "' is a setting, not a dbt var: store it with "
            ~ "`omop-imaging settings --set " ~ name ~ "=VALUE` (docs/settings.md)") }}
    {%- endif -%}
    {{ return(stored_settings().get(name, defaults[name])) }}
{%- endmacro %}

{#- name -> value of the settings stored in the database (values are JSON); empty while parsing
    or before the table exists. -#}
{% macro stored_settings() -%}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(
        database=target.database, schema=var('dicom_raw_schema'), identifier='project_setting') -%}
    {%- if relation is none -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set stored = {} -%}
    {%- for row in run_query('select name, value from ' ~ relation).rows -%}
        {%- do stored.update({row[0]: fromjson(row[1])}) -%}
    {%- endfor -%}
    {{ return(stored) }}
{%- endmacro %}
