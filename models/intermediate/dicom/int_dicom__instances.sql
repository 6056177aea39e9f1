{#- One row per harvested instance (file) with its instance-level attributes, which every file
    keeps (header_policy.INSTANCE_LEVEL_TAGS): geometry, matrix, slice thickness, image type. -#}
{{ config(**build_scope_config()) }}


with

files as (

    select * from {{ ref('stg_dicom__files') }}
    where is_harvested and {{ in_build_scope('series_instance_uid') }}

),

elements as (

    select * from {{ dicom_elements_in_build_scope() }} as scoped_elements
    where is_top_level and is_instance_level

),

pivoted as (

    select
        file_id,
        {{ pivot_value('00200013', 'value_number') }} as instance_number,
        {{ pivot_value('00280010', 'value_number') }} as image_rows,
        {{ pivot_value('00280011', 'value_number') }} as image_columns,
        {{ pivot_value('00280008', 'value_number') }} as number_of_frames,
        {{ pivot_value('00180050', 'value_number') }} as slice_thickness,
        {{ pivot_value('00201041', 'value_number') }} as slice_location,
        max(case when tag = '00200037' and value_index = 0 then value_number end) as orientation_row_x,
        max(case when tag = '00200037' and value_index = 1 then value_number end) as orientation_row_y,
        max(case when tag = '00200037' and value_index = 2 then value_number end) as orientation_row_z,
        max(case when tag = '00200037' and value_index = 3 then value_number end) as orientation_column_x,
        max(case when tag = '00200037' and value_index = 4 then value_number end) as orientation_column_y,
        max(case when tag = '00200037' and value_index = 5 then value_number end) as orientation_column_z,
        max(case when tag = '00080008' and value_index = 0 then value_text end) as image_type_value_1,
        max(case when tag = '00080008' and value_index = 1 then value_text end) as image_type_value_2,
        max(case when tag = '00080008' and value_index = 2 then value_text end) as image_type_value_3
    from elements
    where value_index = 0 or tag in ('00200037', '00080008')
    group by file_id

),

final as (

    select
        files.file_id,
        files.file_path,
        files.study_instance_uid,
        files.series_instance_uid,
        files.sop_instance_uid,
        files.sop_class_uid,
        pivoted.instance_number,
        pivoted.image_rows,
        pivoted.image_columns,
        pivoted.number_of_frames,
        pivoted.slice_thickness,
        pivoted.slice_location,
        pivoted.orientation_row_x,
        pivoted.orientation_row_y,
        pivoted.orientation_row_z,
        pivoted.orientation_column_x,
        pivoted.orientation_column_y,
        pivoted.orientation_column_z,
        {{ image_plane('pivoted') }} as image_plane,
        pivoted.image_type_value_1,
        pivoted.image_type_value_2,
        pivoted.image_type_value_3
    from files
    left join pivoted
        on files.file_id = pivoted.file_id

)

select * from final
