{#-
    omop-imaging generic test, DQD-style threshold: the share of rows (optionally filtered by
    `where_sql`) whose column is mapped must reach `min_share` (0 to 1). Mapped means not NULL,
    and for concept_id columns (zero_is_unmapped, the default) also not 0. Returns one row with
    the counts and the share when the threshold is missed, so the failure says by how much.
    `min_share_setting` names a setting to take the threshold from instead (read when the test
    runs; test arguments themselves are fixed when dbt parses the project). `owned_by` [id column,
    ID map]: delivering into an existing CDM (macros/cdm_delivery.sql), only the build's rows count.
-#}
{% test coverage_at_least(
    model, column_name, min_share=none, min_share_setting=none, where_sql=none, zero_is_unmapped=true, owned_by=none
) %}
{%- if min_share_setting -%}
    {%- set min_share = setting(min_share_setting) -%}
{%- endif %}

with

scoped as (

    select {{ column_name }} as checked_value
    from {{ model }}
    where
        {{ where_sql if where_sql else '1 = 1' }}
        and {{ owned_rows_condition(*owned_by) if owned_by and delivers_into_existing_cdm() else '1 = 1' }}

),

counted as (

    select
        count(*) as row_count,
        sum(
            case
                when checked_value is null then 0
                {% if zero_is_unmapped %}when checked_value = 0 then 0{% endif %}
                else 1
            end
        ) as mapped_count
    from scoped

),

final as (

    select
        row_count,
        mapped_count,
        1.0 * mapped_count / row_count as mapped_share,
        {{ min_share }} as min_share
    from counted
    where row_count > 0 and 1.0 * mapped_count / row_count < {{ min_share }}

)

select * from final

{% endtest %}
