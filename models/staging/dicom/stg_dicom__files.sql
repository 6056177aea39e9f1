with

source as (

    select * from {{ source('dicom', 'harvested_file') }}

),

renamed as (

    select
        file_id,
        file_path,
        file_size as file_size_bytes,
        {{ dbt.dateadd(
            'second',
            'cast(file_mtime_ns / 1000000000 as ' ~ dbt.type_bigint() ~ ')',
            "cast('1970-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")"
        ) }} as file_modified_at,
        status,
        status = 'harvested' as is_harvested,
        reject_category,
        reject_reason,
        has_preamble,
        transfer_syntax_uid,
        sop_class_uid,
        study_instance_uid,
        series_instance_uid,
        sop_instance_uid,
        element_count,
        is_series_representative,
        full_header_kept,
        harvested_at
    from source

)

select * from renamed
