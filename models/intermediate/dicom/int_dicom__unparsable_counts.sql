{#- Per series and attribute, the header values that do not parse for their VR (the inputs of
    unparsable_values, kept per series so that a build counts only the series it rebuilds). -#}
{{ config(**build_scope_config()) }}

with

elements as (

    select * from {{ dicom_elements_in_build_scope() }} as scoped_elements
    where is_unparsable

),

final as (

    select
        series_instance_uid,
        vr,
        tag,
        keyword,
        count(*) as value_count,
        -- a file belongs to one series: per-series counts add up to the archive's
        count(distinct file_id) as file_count
    from elements
    group by series_instance_uid, vr, tag, keyword

)

select * from final
