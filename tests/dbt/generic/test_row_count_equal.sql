{#-
    omop-imaging generic test: the model has exactly as many rows as `compare_model`
    (e.g. IMAGE_FEATURE and MEASUREMENT one-to-one). Returns both counts when they differ.
    compare_owned_by [id column, ID map]: delivering into an existing CDM (macros/cdm_delivery.sql),
    only the compared table's rows the build owns count.
-#}
{% test row_count_equal(model, compare_model, compare_owned_by=none) %}

with

model_rows as (

    select count(*) as row_count from {{ model }}

),

compared_rows as (

    select count(*) as row_count
    from {{ compare_model }}
    where
        {{ owned_rows_condition(*compare_owned_by) if compare_owned_by and delivers_into_existing_cdm() else '1 = 1' }}

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
