{#-
    Delivery into an existing CDM (docs/delivery.md). var cdm_delivery:
    - 'own_tables' (default): the build creates every CDM table of the CDM schema itself.
    - 'existing_cdm': the CDM schema is a site's CDM (official v5.4 DDL, clinical rows). The tables
      the clinical ETL shares with the build (PERSON, OBSERVATION_PERIOD, PROCEDURE_OCCURRENCE,
      MEASUREMENT) are never dropped: each run deletes the rows whose ID is in the table's ID map
      (models/ids: every ID the build ever gave) and inserts its current rows (incremental strategy
      owned_rows below). The site's own tables the build would otherwise publish (VISIT_OCCURRENCE,
      CDM_SOURCE, METADATA) are left alone (their models are disabled).
-#}
{% macro delivers_into_existing_cdm() -%}
    {%- set mode = var('cdm_delivery') -%}
    {%- if mode not in ['own_tables', 'existing_cdm'] -%}
        {{ exceptions.raise_compiler_error(
            "cdm_delivery is '" ~ mode ~ "': use own_tables or existing_cdm (docs/delivery.md)") }}
    {%- endif -%}
    {{ return(mode == 'existing_cdm') }}
{%- endmacro %}

{#- The config of a model writing a CDM table shared with the clinical ETL: a table of its own
    ('own_tables'), or the site's table, where it replaces only its own rows ('existing_cdm').
    id_column is the table's primary key, id_map the models/ids map that gives it, own_table_config
    the config with its own table (e.g. built by scope: macros/build_scope.sql). -#}
{% macro shared_cdm_table_config(id_column, id_map, own_table_config={'materialized': 'table'}) -%}
    {%- if not delivers_into_existing_cdm() -%}
        {{ return(own_table_config) }}
    {%- endif -%}
    {%- if var('vocabulary_schema') in [var('cdm_schema'), var('athena_vocabulary_schema')] -%}
        {#- the vocabulary models would replace the site's vocabulary tables -#}
        {{ exceptions.raise_compiler_error(
            "cdm_delivery existing_cdm: set vocabulary_schema to a schema of its own, not the CDM or "
            ~ "Athena schema '" ~ var('vocabulary_schema') ~ "' (docs/delivery.md)") }}
    {%- endif -%}
    {#- on_schema_change fail (a contracted incremental model needs it or append_new_columns, which
        would alter the site's table): a site table whose columns or types differ from the official
        DDL stops the build instead. -#}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'owned_rows',
        'full_refresh': false,
        'on_schema_change': 'fail',
        'owned_id_column': id_column,
        'owned_id_map': id_map,
    }) }}
{%- endmacro %}

{#- The incremental strategy 'owned_rows': delete the target's rows whose ID the model's ID map
    ever gave, insert the model's rows. Other rows (the clinical ETL's) are never touched, and a
    row whose file disappeared goes too, since its key stays in the map. -#}
{% macro get_incremental_owned_rows_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ owned_rows_condition(config.require('owned_id_column'), config.require('owned_id_map')) }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- The condition that a row of a shared CDM table is the build's: its ID is in the ID map. -#}
{% macro owned_rows_condition(id_column, id_map) -%}
    {{ id_column }} in (select cdm_id from {{ api.Relation.create(
        database=target.database, schema=var('ids_schema'), identifier=id_map) }})
{%- endmacro %}

{#- A filter leaving the build's own rows (IDs in the ID map) out of a clinical table read from
    the CDM it delivers into (clinical_schema = cdm_schema), so a re-run links to clinical rows only. Empty otherwise, and
    before the map exists (the first run, when there are no own rows yet). -#}
{% macro without_own_rows(id_column, id_map) -%}
    {%- if execute and delivers_into_existing_cdm() and var('clinical_schema') == var('cdm_schema') -%}
        {%- set relation = adapter.get_relation(
            database=target.database, schema=var('ids_schema'), identifier=id_map) -%}
        {%- if relation is not none -%}
            where {{ id_column }} not in (select cdm_id from {{ relation }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The largest ID of a table of the CDM the build delivers into (new IDs of the maps go above
    it), or none when the build has its own tables. -#}
{% macro existing_cdm_floor_sql(table, id_column) -%}
    {%- if delivers_into_existing_cdm() -%}
        {{ return("select " ~ id_column ~ " as floor_id from "
            ~ api.Relation.create(database=target.database, schema=var('cdm_schema'), identifier=table)) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
