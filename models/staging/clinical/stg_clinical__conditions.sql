{#- The clinical CONDITION_OCCURRENCE rows images are linked to: the user's clinical schema
    (var clinical_source 'schema'), the demo seed ('demo', the default) or none ('none'). -#}

with

source as (

    {% if var('clinical_source') == 'schema' -%}
        select * from {{ source('clinical', 'condition_occurrence') }}
    {%- else -%}
        select * from {{ ref('demo_condition_occurrence') }}
        {% if var('clinical_source') == 'none' %}where 1 = 0{% endif %}
    {%- endif %}

),

renamed as (

    select
        condition_occurrence_id,
        person_id,
        condition_concept_id,
        condition_start_date,
        condition_end_date,
        condition_type_concept_id,
        visit_occurrence_id,
        condition_source_value
    from source

)

select * from renamed
