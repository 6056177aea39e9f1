{#- The protocols no protocol_map row maps, with how many studies use each, most frequent first:
    what to map next. -#}

with

protocols as (

    select * from {{ ref('int_linkage__study_protocols') }}

),

final as (

    select
        modality,
        body_part_examined,
        protocol_source_value,
        count(*) as study_count
    from protocols
    where protocol_concept_id = 0
    group by modality, body_part_examined, protocol_source_value

)

select * from final
