{#-
    omop-imaging generic test: every non-null value of the column (rows optionally filtered by
    `where_sql`) exists in `field` of the relation `to`. Returns the values that do not.
-#}
{% test relationships_exist(model, column_name, to, field, where_sql=none) %}

with

children as (

    select distinct {{ column_name }} as child_value
    from {{ model }}
    where
        {{ column_name }} is not null
        {% if where_sql %}
            and ({{ where_sql }})
        {% endif %}

),

parents as (

    select distinct {{ field }} as parent_value
    from {{ to }}

),

final as (

    select children.child_value
    from children
    left join parents
        on children.child_value = parents.parent_value
    where parents.parent_value is null

)

select * from final

{% endtest %}
