{#- The clinical PERSON rows images are linked to: the user's clinical schema
    (var clinical_source 'schema'), the demo seed ('demo', the default) or none ('none'). -#}

with

source as (

    {% if var('clinical_source') == 'schema' -%}
        select * from {{ source('clinical', 'person') }}
    {%- else -%}
        select * from {{ ref('demo_person') }}
        {% if var('clinical_source') == 'none' %}where 1 = 0{% endif %}
    {%- endif %}

),

renamed as (

    select
        person_id,
        gender_concept_id,
        year_of_birth,
        person_source_value
    from source

)

select * from renamed
