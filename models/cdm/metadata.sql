{#- OMOP METADATA: how this build was made, one row each, as name / value_as_string: the project
    version, the vocabulary version (as CDM_SOURCE records it) and the described_settings()
    (vocabulary source, clinical source, ID mode; the same list CDM_SOURCE.source_description names). -#}
{#- the site's own table when delivering into an existing CDM (docs/delivery.md) -#}
{{ config(enabled=not delivers_into_existing_cdm()) }}

with

items as (

    select
        1 as metadata_id,
        'omop-imaging version' as name,  -- noqa: RF04
        '{{ project_version() }}' as value_as_string
    union all
    select
        2 as metadata_id,
        'vocabulary_version' as name,  -- noqa: RF04
        cdm_source.vocabulary_version as value_as_string
    from {{ ref('cdm_source') }} as cdm_source
    {%- for name, value in described_settings() %}
        union all
        select
            {{ loop.index + 2 }} as metadata_id,
            {{ dbt.string_literal(name) }} as name,  -- noqa: RF04
            {{ dbt.string_literal(value) }} as value_as_string
    {%- endfor %}

),

final as (

    select
        metadata_id,
        0 as metadata_concept_id,
        {{ var('ehr_type_concept_id') }} as metadata_type_concept_id,
        cast(name as varchar(250)) as name,  -- noqa: RF04
        cast(value_as_string as varchar(250)) as value_as_string,
        cast(null as integer) as value_as_concept_id,
        cast(null as {{ cdm_float_type() }}) as value_as_number,
        cast({{ dbt.current_timestamp() }} as date) as metadata_date,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as metadata_datetime
    from items

)

select * from final
