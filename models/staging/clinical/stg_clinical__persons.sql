{#- The clinical PERSON rows images are linked to: the user's clinical schema
    (setting clinical_source 'schema'), the demo seed ('demo') or none ('none', the default).
    The setting is read when the model runs: both possible inputs are declared here. Delivering
    into the clinical CDM itself, the build's own rows are left out (macros/cdm_delivery.sql). -#}
-- depends_on: {{ source('clinical', 'person') }}
-- depends_on: {{ ref('demo_person') }}

with

source as (

    {% if setting('clinical_source') == 'schema' -%}
        select * from {{ source('clinical', 'person') }}
        {{ without_own_rows('person_id', 'id_map__person') }}
    {%- else -%}
        select * from {{ ref('demo_person') }}
        {% if setting('clinical_source') == 'none' %}where 1 = 0{% endif %}
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
