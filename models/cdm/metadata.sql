{#- OMOP METADATA: how this build was made (project version, vocabulary source and version, clinical
    source, ID mode), one row each, as name / value_as_string. -#}
{#- the site's own table when delivering into an existing CDM (docs/delivery.md) -#}
{{ config(enabled=not delivers_into_existing_cdm()) }}

with

vocabulary_versions as (

    select max(vocabulary_version) as vocabulary_version
    from {{ ref('vocabulary') }}
    where vocabulary_id = 'None'

),

settings as (

    select
        1 as metadata_id,
        'omop-imaging version' as name,  -- noqa: RF04
        '{{ project_version() }}' as value_as_string
    union all
    select
        2 as metadata_id,
        'vocabulary_source' as name,  -- noqa: RF04
        '{{ var("vocabulary_source") }}' as value_as_string
    union all
    select
        3 as metadata_id,
        'vocabulary_version' as name,  -- noqa: RF04
        (select vocabulary_versions.vocabulary_version from vocabulary_versions) as value_as_string
    union all
    select
        4 as metadata_id,
        'clinical_source' as name,  -- noqa: RF04
        '{{ setting("clinical_source") }}' as value_as_string
    union all
    select
        5 as metadata_id,
        'id_mode' as name,  -- noqa: RF04
        '{{ var("id_mode") }}' as value_as_string

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
    from settings

)

select * from final
