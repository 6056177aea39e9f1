{#- The OMOP DOMAIN table: the DICOM vocabulary needs no domain of its own. -#}
{%- set from_athena = var('vocabulary_source') == 'athena' -%}
{%- if from_athena -%}
    {%- set standard_relation = source('athena_vocabulary', 'domain') -%}
{%- else -%}
    {%- set standard_relation = ref('standard_domain') -%}
{%- endif %}
{{ config(materialized=('view' if from_athena else 'table')) }}

with

domains as (

    select * from {{ standard_relation }}

),

final as (

    select
        cast(domain_id as varchar(20)) as domain_id,
        cast(domain_name as varchar(255)) as domain_name,
        cast(domain_concept_id as integer) as domain_concept_id
    from domains

)

select * from final
