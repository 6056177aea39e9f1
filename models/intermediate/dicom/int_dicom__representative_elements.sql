{#- The full header of each series: the typed elements of its representative instance (the file
    with the smallest SOP Instance UID, chosen by the harvest). Series-level attributes, the
    measurement rows and the classifier all read this one table rather than the element view. -#}
{{ config(**build_scope_config()) }}


with

files as (

    select * from {{ ref('stg_dicom__files') }}
    where is_harvested and is_series_representative and {{ in_build_scope('series_instance_uid') }}

),

elements as (

    select * from {{ dicom_elements_in_build_scope() }} as scoped_elements

),

final as (

    select elements.*
    from elements
    inner join files
        on elements.file_id = files.file_id

)

select * from final
