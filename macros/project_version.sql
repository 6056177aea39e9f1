{#- The project's version for CDM_SOURCE / METADATA: the `version` of dbt_project.yml (and of
    pyproject.toml; tests/test_conformance.py checks all three agree). -#}
{% macro project_version() -%}
    0.1.0
{%- endmacro %}
