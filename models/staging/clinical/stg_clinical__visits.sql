{#- The clinical VISIT_OCCURRENCE rows images are linked to: the user's clinical schema
    (setting clinical_source 'schema'), the demo seed ('demo') or none ('none', the default).
    The setting is read when the model runs: both possible inputs are declared here. -#}
-- depends_on: {{ source('clinical', 'visit_occurrence') }}
-- depends_on: {{ ref('demo_visit_occurrence') }}

with

source as (

    {% if setting('clinical_source') == 'schema' -%}
        select * from {{ source('clinical', 'visit_occurrence') }}
    {%- else -%}
        select * from {{ ref('demo_visit_occurrence') }}
        {% if setting('clinical_source') == 'none' %}where 1 = 0{% endif %}
    {%- endif %}

),

renamed as (

    select
        visit_occurrence_id,
        person_id,
        visit_concept_id,
        visit_start_date,
        visit_end_date,
        visit_type_concept_id,
        visit_source_value
    from source

)

select * from renamed
