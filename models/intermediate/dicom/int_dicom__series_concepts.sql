{#- Per series, the concepts IMAGE_OCCURRENCE needs, looked up by (vocabulary_id, concept_code):
    modality from Modality (0008,0060); anatomic site from Body Part Examined (0018,0015) through
    its 'Maps to' SNOMED concept, else from the first Anatomic Region Sequence (0008,2218) item. -#}
{{ config(**build_scope_config()) }}


with

series as (

    select * from {{ ref('int_dicom__series') }}
    where {{ in_build_scope('series_instance_uid') }}

),

attribute_values as (

    select * from {{ ref('int_vocabulary__attribute_values') }}
    where attribute_code in ('00080060', '00180015')

),

header_value_concepts as (

    select * from {{ ref('int_dicom__header_value_concepts') }}
    where {{ in_build_scope('series_instance_uid') }}

),

anatomic_region_items as (

    select
        series_instance_uid,
        min(value_concept_id) as anatomic_region_concept_id
    from header_value_concepts
    where tag = '00082218' and value_index = 0 and value_concept_id is not null
    group by series_instance_uid

),

final as (

    select
        series.series_instance_uid,
        coalesce(modalities.value_concept_id, 0) as modality_concept_id,
        coalesce(body_parts.standard_concept_id, anatomic_region_items.anatomic_region_concept_id, 0)
            as anatomic_site_concept_id,
        body_parts.value_concept_id as body_part_source_concept_id
    from series
    left join attribute_values as modalities
        on
            modalities.attribute_code = '00080060'
            and series.modality = modalities.value_code
    left join attribute_values as body_parts
        on
            body_parts.attribute_code = '00180015'
            and series.body_part_examined = body_parts.value_code
    left join anatomic_region_items
        on series.series_instance_uid = anatomic_region_items.series_instance_uid

)

select * from final
