{#-
    omop-imaging generic test: the model has exactly as many rows as `compare_model`
    (e.g. IMAGE_FEATURE and MEASUREMENT one-to-one). Returns both counts when they differ.
-#}
{% test row_count_equal(model, compare_model) %}

with

model_rows as (

    select count(*) as row_count from {{ model }}

),

compared_rows as (

    select count(*) as row_count from {{ compare_model }}

),

final as (

    select
        model_rows.row_count,
        compared_rows.row_count as compare_row_count
    from model_rows
    cross join compared_rows
    where model_rows.row_count <> compared_rows.row_count

)

select * from final

{% endtest %}
