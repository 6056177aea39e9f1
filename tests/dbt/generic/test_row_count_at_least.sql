{#-
    omop-imaging generic test: fails when the model (optionally filtered by `where_sql`)
    has fewer than `min_count` rows. Returns one row (the shortfall) on failure.
-#}
{% test row_count_at_least(model, min_count, where_sql=none) %}

with

counted as (

    select count(*) as row_count
    from {{ model }}
    where {{ where_sql if where_sql else '1 = 1' }}

),

final as (

    select
        row_count,
        {{ min_count }} as min_count
    from counted
    where row_count < {{ min_count }}

)

select * from final

{% endtest %}
