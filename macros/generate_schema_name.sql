{#-
    Schemas by role: dbt_project.yml gives each folder of models and seeds a role (+schema: cdm,
    staging, ...) and the var `<role>_schema` names the schema, used as written (not prefixed with
    the target's schema). So the CDM schema holds only CDM tables, and a site can point cdm_schema
    and vocabulary_schema at schemas it already has. omop_imaging.settings.schema reads the same vars.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {#- dbt's own schemas (e.g. dbt_test__audit for stored test failures) have no role var -#}
        {{ var(custom_schema_name | trim ~ '_schema', custom_schema_name | trim) }}
    {%- endif -%}
{%- endmacro %}
