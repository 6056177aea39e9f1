{#-
    Stable identifiers: the one place where a text key becomes an integer ID.
    The first 60 bits of the key's MD5, so the same key gives the same ID on every engine, in
    every run, however much data arrives later (row numbers over a sort would not).
    Keys are namespaced ('series|<uid>', 'study|<uid>', ...) so two kinds of row never collide.
-#}
{% macro stable_id(key_expression) -%}
    {{ return(adapter.dispatch('stable_id', 'omop_imaging')(key_expression)) }}
{%- endmacro %}

{% macro default__stable_id(key_expression) -%}
    cast(cast(('x' || substr(md5({{ key_expression }}), 1, 15)) as bit(60)) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro duckdb__stable_id(key_expression) -%}
    cast(('0x' || substr(md5({{ key_expression }}), 1, 15)) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro spark__stable_id(key_expression) -%}
    cast(conv(substr(md5({{ key_expression }}), 1, 15), 16, 10) as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- The folder part of a file path ('/a/b/c.dcm' -> '/a/b'). -#}
{% macro parent_directory(path_expression) -%}
    regexp_replace({{ path_expression }}, '/[^/]*$', '')
{%- endmacro %}

{#-
    CDM row IDs (docs/ids.md). Each kind of output row has an append-only key -> id map
    (models/ids/id_map__<kind>): a key keeps its ID forever, a new key gets a new one and no ID is
    ever given to another key. var id_mode decides how new keys are numbered:
    - 'sequential' (default): after the largest ID the map (or a floor: var id_start, the clinical
      table's largest ID) already holds, in the order of the keys' hashes (the same on every engine);
      the IDs fit the official DDL's `integer` and the outputs cast them to it.
    - 'hash': stable_id(key), 60-bit, for sites whose CDM declares these columns bigint.
    keys_sql selects one column, source_key; floors_sql (optional) selects IDs new ones must exceed.
-#}
{% macro append_id_map(keys_sql, floors_sql=none) -%}
    {%- set floor_queries = ["select cast(" ~ var('id_start') ~ " - 1 as " ~ dbt.type_bigint() ~ ") as last_id"] -%}
    {%- set mapped_sql = "select cast(null as " ~ dbt.type_string() ~ ") as source_key, cast(null as "
        ~ dbt.type_bigint() ~ ") as cdm_id where 1 = 0" -%}
    {%- if is_incremental() -%}
        {%- set mapped_sql = "select source_key, cdm_id from " ~ this -%}
        {%- do floor_queries.append("select max(cdm_id) as last_id from " ~ this) -%}
    {%- endif -%}
    {%- if floors_sql -%}
        {%- do floor_queries.append(
            "select cast(max(floor_id) as " ~ dbt.type_bigint() ~ ") as last_id from (" ~ floors_sql ~ ") as given_floors"
        ) -%}
    {%- endif -%}
    {%- if var('id_mode') == 'hash' -%}
        {%- set new_id = stable_id('new_keys.source_key') -%}
    {%- else -%}
        {#- the floor as a scalar subquery, evaluated once: joined to the new keys, PostgreSQL
            estimated one new key and re-read the map for each of them (10,000 keys a night at
            1 M instances: minutes) -#}
        {%- set new_id = "(select last_floor.last_id from last_floor) + row_number() over (order by "
            ~ stable_id('new_keys.source_key') ~ ", new_keys.source_key)" -%}
    {%- endif %}
    with

    keys as (

        select distinct source_key
        from ({{ keys_sql }}) as all_keys
        where source_key is not null

    ),

    mapped as (

        {{ mapped_sql }}

    ),

    new_keys as (

        select keys.source_key
        from keys
        left join mapped
            on keys.source_key = mapped.source_key
        where mapped.source_key is null

    ),

    floors as (

        {{ floor_queries | join('\n    union all\n    ') }}

    ),

    last_floor as (

        select max(last_id) as last_id from floors

    ),

    final as (

        select
            new_keys.source_key,
            {{ new_id }} as cdm_id
        from new_keys

    )

    select
        cast(source_key as {{ dbt.type_string() }}) as source_key,
        cast(cdm_id as {{ dbt.type_bigint() }}) as cdm_id
    from final
{%- endmacro %}

{#- The SQL type of the specs' `float` columns on this engine (var cdm_float_data_type, which the
    contracts' data_type reads too). -#}
{% macro cdm_float_type() -%}
    {{ var('cdm_float_data_type')[target.type] }}
{%- endmacro %}

{#- The SQL type of CDM row IDs: integer (the official DDL) unless id_mode is 'hash' (var
    cdm_id_data_type, which the contracts' data_type reads too). -#}
{% macro cdm_id_type() -%}
    {%- set types = var('cdm_id_data_type') -%}
    {%- if var('id_mode') not in types -%}
        {{ exceptions.raise_compiler_error(
            "id_mode is '" ~ var('id_mode') ~ "': use sequential or hash (docs/ids.md)") }}
    {%- endif -%}
    {{ types[var('id_mode')] }}
{%- endmacro %}
