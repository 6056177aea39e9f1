{#-
    Incremental builds by series (the nightly run). The harvest writes the series whose files it
    added, changed or removed to the ledger dicom_raw.touched_series; the model
    int_dicom__build_scope turns it into the build's scope: those series and every other series of
    their patients and studies (a person's or a study's rows depend on all of its series). Each
    model whose rows follow series is incremental with the strategy 'build_scope': its inputs are
    filtered to the scope (in_build_scope), its rows of the scope are deleted and the new ones
    inserted, and the rest stay. A full build (the first one, --full-refresh) builds everything;
    either way the outputs are the same, since every row depends on its series alone (or its
    patient's and study's series, which the scope brings along). After a build in which every
    such model succeeded, the ledger rows it read are cleared (on-run-end: clear_touched_series).
    Scope keys, how a model's rows name their series:
    - 'series': a series_instance_uid column;
    - 'file': a harvested file's file_id (the series is the file's);
    - 'image_occurrence': an IMAGE_OCCURRENCE id (the ID map keeps the IDs of removed series too);
    - 'measurement': a MEASUREMENT id, found through IMAGE_FEATURE (which points at it and is
      built after MEASUREMENT, so it still holds the previous rows when MEASUREMENT deletes).
-#}

{#- Whether the engine builds by scope. Spark's Parquet tables cannot delete rows, so there every
    build rebuilds every model (as tables) and the ledger is not read. -#}
{% macro builds_by_scope() -%}
    {{ return(adapter.dispatch('builds_by_scope', 'omop_imaging')()) }}
{%- endmacro %}

{% macro default__builds_by_scope() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro spark__builds_by_scope() -%}
    {{ return(false) }}
{%- endmacro %}

{#- The config of a model built by scope: `column` holds the rows' `scope_key`. -#}
{% macro build_scope_config(column='series_instance_uid', scope_key='series') -%}
    {%- if not builds_by_scope() -%}{{ return({'materialized': 'table'}) }}{%- endif -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'build_scope',
        'scope_column': column,
        'scope_key': scope_key,
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

{#- A filter for a model's input: only the rows of the build's scope on an incremental run of a
    model built by scope (or of an append-only ID map, whose new keys can only come from the
    scope); true otherwise. Always refs what the condition reads, so dbt orders the models. -#}
{% macro in_build_scope(column, scope_key='series') -%}
    {%- set _scope = ref('int_dicom__build_scope') -%}
    {%- if scope_key == 'file' -%}{%- set _files = ref('stg_dicom__files') -%}{%- endif -%}
    {%- if scope_key in ['image_occurrence', 'measurement'] -%}
        {%- set _ids = ref('id_map__image_occurrence') -%}
    {%- endif -%}
    {%- if builds_by_scope() and is_incremental()
        and config.get('incremental_strategy') in ['build_scope', none, 'append'] -%}
        {{ build_scope_condition(column, scope_key) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The condition that `column`, holding a `scope_key`, names a series of the build's scope. -#}
{% macro build_scope_condition(column, scope_key) -%}
    {%- set scope_series = "select series_instance_uid from " ~ ref('int_dicom__build_scope') -%}
    {%- if scope_key == 'series' -%}
        {{ column }} in ({{ scope_series }})
    {%- elif scope_key == 'file' -%}
        {#- through the files' series: PostgreSQL then finds a scope's element rows by the indexes
            on harvested_file's series and header_element's file_id, where a filter on the element
            rows' own series column reads the whole table (192 s a night at 1 M instances) -#}
        {{ column }} in (
            select file_id from {{ ref('stg_dicom__files') }}
            where {{ build_scope_condition('series_instance_uid', 'series') }}
        )
    {%- elif scope_key == 'image_occurrence' -%}
        {#- the key format of models/ids/id_map__image_occurrence.sql -#}
        {{ column }} in (
            select cdm_id from {{ ref('id_map__image_occurrence') }}
            where source_key in (select 'series|' || series_instance_uid from ({{ scope_series }}) as scope)
        )
    {%- elif scope_key == 'measurement' -%}
        {{ column }} in (
            select image_feature_event_id from {{ this.incorporate(path={'identifier': 'image_feature'}) }}
            where {{ build_scope_condition('image_occurrence_id', 'image_occurrence') }}
        )
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown scope_key '" ~ scope_key ~ "' (macros/build_scope.sql)") }}
    {%- endif -%}
{%- endmacro %}

{#- The incremental strategy 'build_scope': the one hook per engine (adapter.dispatch). -#}
{% macro get_incremental_build_scope_sql(arg_dict) -%}
    {{ return(adapter.dispatch('build_scope_sql', 'omop_imaging')(arg_dict)) }}
{%- endmacro %}

{% macro default__build_scope_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ build_scope_condition(config.require('scope_column'), config.require('scope_key')) }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- The relation a model of the same schema had after the last build (none before the first). -#}
{% macro previous_build_relation(identifier) -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {{ return(adapter.get_relation(database=this.database, schema=this.schema, identifier=identifier)) }}
{%- endmacro %}

{#- on-run-end: clear the ledger rows the scope read, once every model built by scope (and the
    scope itself) succeeded in this run; otherwise they stay and the next build does them again. -#}
{% macro clear_touched_series(results) -%}
    {%- if not execute or not builds_by_scope() -%}{{ return('') }}{%- endif -%}
    {%- set succeeded = [] -%}
    {%- for result in results if result.status == 'success' -%}
        {%- do succeeded.append(result.node.unique_id) -%}
    {%- endfor -%}
    {%- set needed = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.enabled
        and (node.config.incremental_strategy == 'build_scope' or node.name == 'int_dicom__build_scope') -%}
        {%- do needed.append(node.unique_id) -%}
    {%- endfor -%}
    {%- if needed | reject('in', succeeded) | list -%}{{ return('') }}{%- endif -%}
    {%- set scope_node = graph.nodes['model.omop_imaging.int_dicom__build_scope'] -%}
    {%- set scope = api.Relation.create(
        database=scope_node.database, schema=scope_node.schema, identifier=scope_node.alias) -%}
    {%- set ledger = api.Relation.create(
        database=target.database, schema=var('dicom_raw_schema'), identifier='touched_series') -%}
    {%- call statement('clear_touched_series') -%}
        delete from {{ ledger }}
        where exists (
            select 1 from {{ scope }} as scope
            where
                scope.series_instance_uid = {{ ledger }}.series_instance_uid
                and {{ ledger }}.touched_at <= scope.touched_through
        )
    {%- endcall -%}
    {%- do adapter.commit() -%}
{%- endmacro %}

{#- The patient as the archive knows it (Patient ID with its issuer); a file with no Patient ID
    stands alone per study. -#}
{% macro patient_key(patient_id, issuer_of_patient_id, study_instance_uid) -%}
    case
        when {{ patient_id }} is not null
            then 'patient|' || coalesce({{ issuer_of_patient_id }}, '') || '|' || {{ patient_id }}
        else 'study|' || {{ study_instance_uid }}
    end
{%- endmacro %}
