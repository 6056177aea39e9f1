{#-
    omop-imaging generic test: not_null whose severity a setting decides when the test runs. The
    NULL rows always count; they fail the build unless setting `setting_name` is `allowing_value`
    (a site's knowing choice, e.g. missing_birth_year_policy 'create'), where they only warn.
    Severity itself is fixed when dbt parses the project, before any setting can be read, so the
    decision is a column of the failing rows that error_if compares with.
-#}
{% test not_null_unless_setting(model, column_name, setting_name, allowing_value) %}
{#- dbt computes `count(*) <error_if>` over these rows: an error when some row is not allowed -#}
{{ config(error_if="> coalesce(sum(case when null_allowed then 1 else 0 end), 0)") }}

select
    {{ column_name }} as null_value,
    '{{ setting(setting_name) }}' = '{{ allowing_value }}' as null_allowed
from {{ model }}
where {{ column_name }} is null

{% endtest %}
