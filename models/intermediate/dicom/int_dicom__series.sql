{#- One row per series: its series-level attributes from the representative instance's header,
    its instance count and where its files live. -#}
{{ config(**build_scope_config()) }}


with

files as (

    select * from {{ ref('stg_dicom__files') }}
    where is_harvested and {{ in_build_scope('series_instance_uid') }}

),

elements as (

    select * from {{ dicom_elements_in_build_scope() }} as scoped_elements

),

representative_values as (

    select * from {{ ref('int_dicom__representative_elements') }}
    where is_top_level and value_index = 0 and {{ in_build_scope('series_instance_uid') }}

),

attributes as (

    select
        series_instance_uid,
        {{ pivot_value('00100020') }} as patient_id,
        {{ pivot_value('00100021') }} as issuer_of_patient_id,
        {{ pivot_value('00100030', 'value_date') }} as patient_birth_date,
        {{ pivot_value('00100040') }} as patient_sex,
        {{ pivot_value('00101010') }} as patient_age,
        {{ pivot_value('00080020', 'value_date') }} as study_date,
        {{ pivot_value('00080030', 'value_time') }} as study_time,
        {{ pivot_value('00080021', 'value_date') }} as series_date,
        {{ pivot_value('00080031', 'value_time') }} as series_time,
        {{ pivot_value('00080022', 'value_date') }} as acquisition_date,
        {{ pivot_value('00080032', 'value_time') }} as acquisition_time,
        {{ pivot_value('0008002A', 'value_datetime') }} as acquisition_datetime,
        {{ pivot_value('00080023', 'value_date') }} as content_date,
        {{ pivot_value('00080033', 'value_time') }} as content_time,
        {{ pivot_value('00080060') }} as modality,
        {{ pivot_value('00180015') }} as body_part_examined,
        {{ pivot_value('00200060') }} as laterality,
        {{ pivot_value('00081030') }} as study_description,
        {{ pivot_value('0008103E') }} as series_description,
        {{ pivot_value('00181030') }} as protocol_name,
        {{ pivot_value('00080070') }} as manufacturer,
        {{ pivot_value('00081090') }} as manufacturer_model_name,
        {{ pivot_value('00200011', 'value_number') }} as series_number,
        {{ pivot_value('00080050') }} as accession_number
    from representative_values
    group by series_instance_uid

),

-- dates any instance of the series carries (instance level: acquisition, content, creation)
instance_dates as (

    select
        series_instance_uid,
        min(value_date) as first_instance_date
    from elements
    where is_instance_level and tag in ('00080022', '00080023', '00080012')
    group by series_instance_uid

),

instances as (

    select
        series_instance_uid,
        min(study_instance_uid) as study_instance_uid,
        cast(min(file_modified_at) as date) as first_file_modified_date,
        count(*) as file_count,
        count(distinct sop_instance_uid) as instance_count,
        min({{ parent_directory('file_path') }}) as first_directory,
        max({{ parent_directory('file_path') }}) as last_directory
    from files
    group by series_instance_uid

),

final as (

    select
        instances.series_instance_uid,
        instances.study_instance_uid,
        -- the patient as the archive knows it; a file with no Patient ID stands alone per study
        {{ patient_key('attributes.patient_id', 'attributes.issuer_of_patient_id', 'instances.study_instance_uid') }}
            as patient_key,
        attributes.patient_id,
        attributes.issuer_of_patient_id,
        attributes.patient_birth_date,
        attributes.patient_sex,
        attributes.patient_age,
        attributes.study_date,
        attributes.study_time,
        attributes.series_date,
        attributes.series_time,
        attributes.acquisition_date,
        attributes.acquisition_time,
        attributes.acquisition_datetime,
        attributes.content_date,
        attributes.content_time,
        -- Series Date, falling back to Study Date, then Acquisition and Content Date; a series whose
        -- header has no date at all takes the file date (IMAGE_OCCURRENCE needs one): see the source
        coalesce(
            attributes.series_date,
            attributes.study_date,
            attributes.acquisition_date,
            {{ dbt.cast('attributes.acquisition_datetime', 'date') }},
            attributes.content_date,
            instance_dates.first_instance_date,
            instances.first_file_modified_date
        ) as series_effective_date,
        case
            when attributes.series_date is not null then 'series_date'
            when attributes.study_date is not null then 'study_date'
            when attributes.acquisition_date is not null or attributes.acquisition_datetime is not null
                then 'acquisition_date'
            when attributes.content_date is not null then 'content_date'
            when instance_dates.first_instance_date is not null then 'instance_date'
            else 'file_modified_date'
        end as series_effective_date_source,
        case
            when attributes.series_date is not null then attributes.series_time
            when attributes.study_date is not null then attributes.study_time
            when attributes.acquisition_date is not null then attributes.acquisition_time
            when attributes.content_date is not null then attributes.content_time
        end as series_effective_time,
        upper(trim(attributes.modality)) as modality,
        upper(trim(attributes.body_part_examined)) as body_part_examined,
        attributes.laterality,
        attributes.study_description,
        attributes.series_description,
        attributes.protocol_name,
        attributes.manufacturer,
        attributes.manufacturer_model_name,
        attributes.series_number,
        attributes.accession_number,
        instances.file_count,
        instances.instance_count,
        -- the series' folder when all its files share one; otherwise the first of its folders
        instances.first_directory as local_path,
        instances.first_directory = instances.last_directory as is_in_one_folder
    from instances
    left join attributes
        on instances.series_instance_uid = attributes.series_instance_uid
    left join instance_dates
        on instances.series_instance_uid = instance_dates.series_instance_uid

)

select * from final
