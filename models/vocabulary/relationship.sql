{#- The OMOP RELATIONSHIP table: the DICOM vocabulary uses the standard mapping relationships
    ('Maps to', 'Mapped from', 'Maps to value', 'Value mapped from'). -#}
{{ config(materialized=vocabulary_materialization()) }}

with

relationships as (

    select * from {{ ref('stg_vocabulary__relationships') }}

),

final as (

    select
        cast(relationship_id as varchar(20)) as relationship_id,
        cast(relationship_name as varchar(255)) as relationship_name,
        cast(is_hierarchical as varchar(1)) as is_hierarchical,
        cast(defines_ancestry as varchar(1)) as defines_ancestry,
        cast(reverse_relationship_id as varchar(20)) as reverse_relationship_id,
        cast(relationship_concept_id as integer) as relationship_concept_id
    from relationships

)

select * from final
