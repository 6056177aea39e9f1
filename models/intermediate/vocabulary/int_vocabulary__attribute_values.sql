{#- The coded values each DICOM attribute allows ('Maps to value'), by the value's code, with the
    standard concept a value 'Maps to' where there is one (e.g. a body part -> SNOMED). One row per
    (attribute, value code); an attribute without a value set has no rows. -#}

with

concepts as (

    select * from {{ ref('concept') }}

),

relationships as (

    select * from {{ ref('concept_relationship') }}
    where invalid_reason is null

),

standard_maps as (

    select * from {{ ref('int_vocabulary__standard_maps') }}

),

allowed_values as (

    select
        attributes.concept_id as attribute_concept_id,
        attributes.concept_code as attribute_code,
        allowed.concept_code as value_code,
        min(allowed.concept_id) as value_concept_id
    from relationships
    inner join concepts as attributes
        on relationships.concept_id_1 = attributes.concept_id
    inner join concepts as allowed
        on relationships.concept_id_2 = allowed.concept_id
    where
        relationships.relationship_id = 'Maps to value'
        and attributes.vocabulary_id = 'DICOM'
        and attributes.concept_class_id = 'DICOM Attributes'
    group by attributes.concept_id, attributes.concept_code, allowed.concept_code

),

final as (

    select
        allowed_values.attribute_concept_id,
        allowed_values.attribute_code,
        allowed_values.value_code,
        allowed_values.value_concept_id,
        standard_maps.standard_concept_id
    from allowed_values
    left join standard_maps
        on allowed_values.value_concept_id = standard_maps.concept_id

)

select * from final
