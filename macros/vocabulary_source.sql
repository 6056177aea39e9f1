{#- The one place var vocabulary_source is read (docs/vocabulary.md): 'athena' takes the standard
    vocabularies from the user's Athena download (schema athena_vocabulary_schema), anything else
    from the shipped subset in seeds/vocabulary/standard_*.csv. -#}
{% macro vocabulary_from_athena() -%}
    {{ return(var('vocabulary_source') == 'athena') }}
{%- endmacro %}

{#- The standard rows of one vocabulary table, e.g. standard_vocabulary('concept'); the staging
    models models/staging/vocabulary are its only callers. -#}
{% macro standard_vocabulary(table_name) -%}
    {%- if vocabulary_from_athena() -%}
        {{ return(source('athena_vocabulary', table_name)) }}
    {%- else -%}
        {{ return(ref('standard_' ~ table_name)) }}
    {%- endif -%}
{%- endmacro %}

{#- The vocabulary tables: views over an Athena download (millions of rows, not copied), tables
    of the shipped subset. -#}
{% macro vocabulary_materialization() -%}
    {{ return('view' if vocabulary_from_athena() else 'table') }}
{%- endmacro %}
