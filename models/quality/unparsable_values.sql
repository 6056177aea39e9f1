{#- Header values kept as text that do not parse for their VR ('20231301' in a DA, 'abc' in a DS):
    the typed column is NULL and the value never reaches an OMOP date or number. Counted per
    attribute, most frequent first, for `omop-imaging report --section unparsable`. Values are not
    listed: they may be anything, identifying text included. -#}

with

elements as (

    select * from {{ ref('stg_dicom__elements') }}

),

final as (

    select
        vr,
        tag,
        keyword,
        count(*) as value_count,
        count(distinct file_id) as file_count
    from elements
    where is_unparsable
    group by vr, tag, keyword

)

select * from final
