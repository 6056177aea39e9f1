{#-
    omop-imaging generic test on a CONCEPT_RELATIONSHIP-shaped model: every row (optionally
    filtered by `where_sql`) has its reverse row, the relationship named by
    `reverse_relationship_id` in `relationship_model`, between the same two concepts.
    Returns the rows whose reverse is missing.
-#}
{% test relationships_have_reverse(model, relationship_model, where_sql=none) %}

with

relationships as (

    select * from {{ model }}

),

checked as (

    select * from relationships
    where {{ where_sql if where_sql else '1 = 1' }}

),

reverse_names as (

    select
        relationship_id,
        reverse_relationship_id
    from {{ relationship_model }}

),

final as (

    select
        checked.concept_id_1,
        checked.concept_id_2,
        checked.relationship_id
    from checked
    inner join reverse_names
        on checked.relationship_id = reverse_names.relationship_id
    left join relationships as reversed
        on
            checked.concept_id_2 = reversed.concept_id_1
            and checked.concept_id_1 = reversed.concept_id_2
            and reverse_names.reverse_relationship_id = reversed.relationship_id
    where reversed.relationship_id is null

)

select * from final

{% endtest %}
