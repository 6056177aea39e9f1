{#- The clinical CONDITION_OCCURRENCE rows images are linked to: the user's clinical schema
    (setting clinical_source 'schema'), the demo seed ('demo') or none ('none', the default).
    The setting is read when the model runs: both possible inputs are declared here. -#}
-- depends_on: {{ source('clinical', 'condition_occurrence') }}
-- depends_on: {{ ref('demo_condition_occurrence') }}

with

source as (

    {% if setting('clinical_source') == 'schema' -%}
        select * from {{ source('clinical', 'condition_occurrence') }}
    {%- else -%}
        select * from {{ ref('demo_condition_occurrence') }}
        {% if setting('clinical_source') == 'none' %}where 1 = 0{% endif %}
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
