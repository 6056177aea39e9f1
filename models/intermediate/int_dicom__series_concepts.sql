{#- Per series, the concepts IMAGE_OCCURRENCE needs, looked up by (vocabulary_id, concept_code):
    modality from Modality (0008,0060); anatomic site from Body Part Examined (0018,0015) through
    its 'Maps to' SNOMED concept, else from the first Anatomic Region Sequence (0008,2218) item. -#}

with

series as (

    select * from {{ ref('int_dicom__series') }}

),

concepts as (

    select * from {{ ref('concept') }}

),

relationships as (

    select * from {{ ref('concept_relationship') }}
    where invalid_reason is null

),

header_value_concepts as (

    select * from {{ ref('int_dicom__header_value_concepts') }}

),

-- the coded values Modality and Body Part Examined allow ('Maps to value'), by code
allowed_values as (

    select
        attributes.concept_code as attribute_code,
        allowed.concept_code,
        min(allowed.concept_id) as concept_id
    from relationships
    inner join concepts as attributes
        on relationships.concept_id_1 = attributes.concept_id
    inner join concepts as allowed
        on relationships.concept_id_2 = allowed.concept_id
    where
        relationships.relationship_id = 'Maps to value'
        and attributes.vocabulary_id = 'DICOM'
        and attributes.concept_class_id = 'DICOM Attributes'
        and attributes.concept_code in ('00080060', '00180015')
    group by attributes.concept_code, allowed.concept_code

),

standard_maps as (

    select
        concept_id_1 as concept_id,
        min(concept_id_2) as standard_concept_id
    from relationships
    where relationship_id = 'Maps to'
    group by concept_id_1

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
        coalesce(modality_terms.concept_id, 0) as modality_concept_id,
        coalesce(body_part_maps.standard_concept_id, anatomic_region_items.anatomic_region_concept_id, 0)
            as anatomic_site_concept_id,
        body_part_terms.concept_id as body_part_source_concept_id
    from series
    left join allowed_values as modality_terms
        on
            modality_terms.attribute_code = '00080060'
            and series.modality = modality_terms.concept_code
    left join allowed_values as body_part_terms
        on
            body_part_terms.attribute_code = '00180015'
            and series.body_part_examined = body_part_terms.concept_code
    left join standard_maps as body_part_maps
        on body_part_terms.concept_id = body_part_maps.concept_id
    left join anatomic_region_items
        on series.series_instance_uid = anatomic_region_items.series_instance_uid

)

select * from final
