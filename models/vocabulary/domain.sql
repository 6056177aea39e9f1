{#- The OMOP DOMAIN table: the DICOM vocabulary needs no domain of its own. -#}
{{ config(materialized=vocabulary_materialization()) }}

with

domains as (

    select * from {{ ref('stg_vocabulary__domains') }}

),

final as (

    select
        cast(domain_id as varchar(20)) as domain_id,
        cast(domain_name as varchar(255)) as domain_name,
        cast(domain_concept_id as integer) as domain_concept_id
    from domains

)

select * from final
