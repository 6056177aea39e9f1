{#-
    omop-imaging generic test: every non-null value of the column (rows optionally filtered by
    `where_sql`) lies in [min_value, max_value]. Returns the offending rows' values.
-#}
{% test values_between(model, column_name, min_value, max_value, where_sql=none) %}

with

checked as (

    select {{ column_name }} as checked_value
    from {{ model }}
    where
        {{ column_name }} is not null
        {% if where_sql %}
            and ({{ where_sql }})
        {% endif %}

),

final as (

    select checked_value
    from checked
    where
        checked_value < {{ min_value }}
        or checked_value > {{ max_value }}

)

select * from final

{% endtest %}
