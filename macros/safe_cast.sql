{#-
    Safe casts of DICOM value text: a malformed value becomes NULL, never a failed build.
    DICOM formats: DS/IS decimal strings (an exponent may have leading zeros, '-1e-016', and at
    most two significant digits, so that no value overflows a double), DA 'YYYYMMDD' (ACR-NEMA
    'YYYY.MM.DD'), TM 'HHMMSS.FFFFFF' with trailing parts optional (ACR-NEMA 'HH:MM:SS'),
    DT 'YYYYMMDDHHMMSS.FFFFFF&ZZXX' with trailing parts optional.
-#}

{#- The type of every number read from a header: 64 bits on both engines (dbt.type_float() is
    DuckDB's 32-bit FLOAT, which turns 5.53 into 5.53000020980835, so exact look-ups miss). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'omop_imaging')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{% macro dicom_number_pattern() -%}
    '^[[:space:]]*[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?0*[0-9]{1,2})?[[:space:]]*$'
{%- endmacro %}

{% macro regex_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'omop_imaging')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(expression, pattern) -%}
    ({{ expression }} ~ {{ pattern }})
{%- endmacro %}

{% macro duckdb__regex_matches(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ pattern }})
{%- endmacro %}

{#- Java regular expressions (Spark) have no POSIX bracket classes: [[:space:]] is \s there. -#}
{% macro spark__regex_matches(expression, pattern) -%}
    ({{ expression }} rlike {{ pattern | replace('[[:space:]]', '\\\\s') }})
{%- endmacro %}

{% macro try_parse_dicom_number(expression) -%}
    case
        when {{ regex_matches(expression, dicom_number_pattern()) }}
            then cast(trim({{ expression }}) as {{ type_double() }})
    end
{%- endmacro %}

{% macro try_parse_dicom_integer(expression) -%}
    case
        when {{ regex_matches(expression, "'^[[:space:]]*[+-]?[0-9]{1,18}[[:space:]]*$'") }}
            then cast(trim({{ expression }}) as {{ dbt.type_bigint() }})
    end
{%- endmacro %}

{% macro try_parse_dicom_date(expression) -%}
    {{ return(adapter.dispatch('try_parse_dicom_date', 'omop_imaging')(expression)) }}
{%- endmacro %}

{% macro default__try_parse_dicom_date(expression) -%}
    {{ var('staging_schema') }}.omop_imaging_try_date({{ expression }})
{%- endmacro %}

{% macro duckdb__try_parse_dicom_date(expression) -%}
    cast(try_strptime(replace(trim({{ expression }}), '.', ''), '%Y%m%d') as date)
{%- endmacro %}

{#- Spark's to_date gives NULL for what does not parse (ANSI mode off, as dbt-spark sets it). -#}
{% macro spark__try_parse_dicom_date(expression) -%}
    {%- set compact = "replace(trim(" ~ expression ~ "), '.', '')" -%}
    case when {{ compact }} rlike '^[0-9]{8}$' then to_date({{ compact }}, 'yyyyMMdd') end
{%- endmacro %}

{% macro try_parse_dicom_time(expression) -%}
    {{ return(adapter.dispatch('try_parse_dicom_time', 'omop_imaging')(expression)) }}
{%- endmacro %}

{% macro default__try_parse_dicom_time(expression) -%}
    {{ var('staging_schema') }}.omop_imaging_try_time({{ expression }})
{%- endmacro %}

{% macro duckdb__try_parse_dicom_time(expression) -%}
    {%- set compact = "replace(trim(" ~ expression ~ "), ':', '')" -%}
    case
        when regexp_full_match({{ compact }}, '[0-9]{2}([0-9]{2}([0-9]{2}([.][0-9]{1,6})?)?)?')
            then try_cast(
                substr({{ compact }}, 1, 2)
                || ':' || coalesce(nullif(substr({{ compact }}, 3, 2), ''), '00')
                || ':' || coalesce(nullif(substr({{ compact }}, 5), ''), '00')
                as time
            )
    end
{%- endmacro %}

{#- Spark before 4.1 has no TIME type: a time of day is its text there, 'HH:MM:SS' and the
    fraction without trailing zeros (as DuckDB writes a time), which orders like the time and
    becomes part of a timestamp in date_at_time(). -#}
{% macro spark__try_parse_dicom_time(expression) -%}
    {%- set compact = "replace(trim(" ~ expression ~ "), ':', '')" -%}
    {%- set hours = "substr(" ~ compact ~ ", 1, 2)" -%}
    {%- set minutes = "coalesce(nullif(substr(" ~ compact ~ ", 3, 2), ''), '00')" -%}
    {%- set seconds = "coalesce(nullif(substr(" ~ compact ~ ", 5, 2), ''), '00')" -%}
    case
        when {{ compact }} rlike '^[0-9]{2}([0-9]{2}([0-9]{2}([.][0-9]{1,6})?)?)?$'
            and {{ hours }} < '24' and {{ minutes }} < '60' and {{ seconds }} < '60'
            then concat(
                {{ hours }}, ':', {{ minutes }}, ':', {{ seconds }},
                regexp_replace(substr({{ compact }}, 7), '[.]?0*$', '')
            )
    end
{%- endmacro %}

{#- The timestamp of a date at a time of day (midnight when the time is NULL). -#}
{% macro date_at_time(date_expression, time_expression) -%}
    {{ return(adapter.dispatch('date_at_time', 'omop_imaging')(date_expression, time_expression)) }}
{%- endmacro %}

{% macro default__date_at_time(date_expression, time_expression) -%}
    ({{ date_expression }} + coalesce({{ time_expression }}, cast('00:00:00' as time)))
{%- endmacro %}

{% macro spark__date_at_time(date_expression, time_expression) -%}
    cast(concat(cast({{ date_expression }} as string), ' ', coalesce({{ time_expression }}, '00:00:00')) as timestamp)
{%- endmacro %}

{% macro try_parse_dicom_datetime(expression) -%}
    {#- Date part plus time part; a DT with no time part is taken at midnight. The UTC offset is dropped. -#}
    {%- set without_offset = "substr(trim(" ~ expression ~ "), 1, 21)" -%}
    {%- set time_part = "nullif(split_part(substr(" ~ without_offset ~ ", 9), '+', 1), '')" -%}
    {{ date_at_time(
        try_parse_dicom_date("substr(trim(" ~ expression ~ "), 1, 8)"),
        try_parse_dicom_time("split_part(" ~ time_part ~ ", '-', 1)")
    ) }}
{%- endmacro %}

{% macro create_safe_cast_functions() -%}
    {{ return(adapter.dispatch('create_safe_cast_functions', 'omop_imaging')()) }}
{%- endmacro %}

{% macro default__create_safe_cast_functions() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_safe_cast_functions() -%}
    create schema if not exists {{ var('staging_schema') }};

    create or replace function {{ var('staging_schema') }}.omop_imaging_try_date(value text) returns date
    language plpgsql immutable as $fn$
    declare compact text := replace(trim(value), '.', '');
    begin
        if compact !~ '^[0-9]{8}$' then return null; end if;
        return to_date(compact, 'YYYYMMDD');
    exception when others then return null;
    end $fn$;

    create or replace function {{ var('staging_schema') }}.omop_imaging_try_time(value text) returns time
    language plpgsql immutable as $fn$
    declare compact text := replace(trim(value), ':', '');
    begin
        if compact !~ '^[0-9]{2}([0-9]{2}([0-9]{2}([.][0-9]{1,6})?)?)?$' then return null; end if;
        return make_time(
            substr(compact, 1, 2)::int,
            coalesce(nullif(substr(compact, 3, 2), ''), '0')::int,
            coalesce(nullif(substr(compact, 5), ''), '0')::float8
        );
    exception when others then return null;
    end $fn$;
{%- endmacro %}
