{#- OMOP CDM_SOURCE: one row describing the build, as ATLAS and Achilles read it (names from the
    vars cdm_source_name, cdm_source_abbreviation, cdm_holder; the description names the
    described_settings(); the vocabulary version from the VOCABULARY row 'None'). -#}
{#- the site's own table when delivering into an existing CDM (docs/delivery.md) -#}
{{ config(enabled=not delivers_into_existing_cdm()) }}

with

vocabulary_versions as (

    select max(vocabulary_version) as vocabulary_version
    from {{ ref('vocabulary') }}
    where vocabulary_id = 'None'

),

final as (

    select
        cast('{{ var("cdm_source_name") }}' as varchar(255)) as cdm_source_name,
        cast('{{ var("cdm_source_abbreviation") }}' as varchar(25)) as cdm_source_abbreviation,
        cast('{{ var("cdm_holder") }}' as varchar(255)) as cdm_holder,
        {%- set settings_text = [] -%}
        {%- for name, value in described_settings() -%}
            {%- do settings_text.append(name ~ ': ' ~ value) -%}
        {%- endfor %}
        cast(
            {{ dbt.string_literal('DICOM headers harvested by omop-imaging (' ~ settings_text | join(', ') ~ ')') }}
            as {{ dbt.type_string() }}
        ) as source_description,
        cast(null as varchar(255)) as source_documentation_reference,
        cast('omop-imaging {{ project_version() }}' as varchar(255)) as cdm_etl_reference,
        cast({{ dbt.current_timestamp() }} as date) as source_release_date,
        cast({{ dbt.current_timestamp() }} as date) as cdm_release_date,
        cast('v5.4' as varchar(10)) as cdm_version,
        756265 as cdm_version_concept_id,
        cast(coalesce(vocabulary_versions.vocabulary_version, 'unknown') as varchar(20)) as vocabulary_version
    from vocabulary_versions

)

select * from final
