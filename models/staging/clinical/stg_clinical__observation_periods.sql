{#- The clinical OBSERVATION_PERIOD rows images are linked to: the user's clinical schema
    (setting clinical_source 'schema'), the demo seed ('demo') or none ('none', the default).
    The setting is read when the model runs: both possible inputs are declared here. Delivering
    into the clinical CDM itself, the build's own rows are left out (macros/cdm_delivery.sql). -#}
-- depends_on: {{ source('clinical', 'observation_period') }}
-- depends_on: {{ ref('demo_observation_period') }}

with

source as (

    {% if setting('clinical_source') == 'schema' -%}
        select * from {{ source('clinical', 'observation_period') }}
        {{ without_own_rows('observation_period_id', 'id_map__observation_period') }}
    {%- else -%}
        select * from {{ ref('demo_observation_period') }}
        {% if setting('clinical_source') == 'none' %}where 1 = 0{% endif %}
    {%- endif %}

),

renamed as (

    select
        observation_period_id,
        person_id,
        observation_period_start_date,
        observation_period_end_date,
        period_type_concept_id
    from source

)

select * from renamed
