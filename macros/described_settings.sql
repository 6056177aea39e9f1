{#- The build settings a reader of the CDM needs to know, as (name, value) pairs, written once:
    METADATA has a row for each (models/cdm/metadata.sql) and CDM_SOURCE.source_description names
    them (models/cdm/cdm_source.sql). -#}
{% macro described_settings() -%}
    {{ return([
        ('vocabulary_source', var('vocabulary_source')),
        ('clinical_source', setting('clinical_source')),
        ('id_mode', var('id_mode')),
    ]) }}
{%- endmacro %}
