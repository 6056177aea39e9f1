{#- Header values kept as text that do not parse for their VR ('20231301' in a DA, 'abc' in a DS):
    the typed column is NULL and the value never reaches an OMOP date or number. Counted per
    attribute, most frequent first, for `omop-imaging report --section unparsable`. Values are not
    listed: they may be anything, identifying text included. -#}

with

series_counts as (

    select * from {{ ref('int_dicom__unparsable_counts') }}

),

final as (

    select
        vr,
        tag,
        keyword,
        cast(sum(value_count) as {{ dbt.type_bigint() }}) as value_count,
        cast(sum(file_count) as {{ dbt.type_bigint() }}) as file_count
    from series_counts
    group by vr, tag, keyword

)

select * from final
