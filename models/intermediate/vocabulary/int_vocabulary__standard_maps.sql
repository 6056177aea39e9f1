{#- Each non-standard concept with the standard concept it 'Maps to' (the smallest, when several). -#}

with

relationships as (

    select * from {{ ref('concept_relationship') }}
    where invalid_reason is null

),

final as (

    select
        concept_id_1 as concept_id,
        min(concept_id_2) as standard_concept_id
    from relationships
    where relationship_id = 'Maps to'
    group by concept_id_1

)

select * from final
