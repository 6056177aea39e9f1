{#- Each kept header value with its concepts, all looked up by (vocabulary_id, concept_code):
    - attribute_concept_id: the DICOM attribute (concept class 'DICOM Attributes');
    - value_concept_id: for a coded value, the value concept the attribute 'Maps to value' (or the
      code of a coded sequence item in its scheme's vocabulary), replaced by its standard concept
      where a 'Maps to' exists;
    - unit_concept_id: the UCUM unit the standard fixes for the attribute (int_vocabulary__attribute_units). -#}
{{ config(**build_scope_config()) }}


with

header_values as (

    select * from {{ ref('int_dicom__header_values') }}
    where {{ in_build_scope('series_instance_uid') }}

),

concepts as (

    select * from {{ ref('concept') }}

),

attribute_values as (

    select * from {{ ref('int_vocabulary__attribute_values') }}

),

standard_maps as (

    select * from {{ ref('int_vocabulary__standard_maps') }}

),

coding_schemes as (

    select * from {{ ref('coding_scheme_vocabulary') }}

),

unit_concepts as (

    select * from {{ ref('int_vocabulary__attribute_units') }}

),

attribute_concepts as (

    select
        concept_id,
        concept_code
    from concepts
    where vocabulary_id = 'DICOM' and concept_class_id = 'DICOM Attributes'

),

-- attributes with a value set: their coded values are expected to map
attributes_with_value_sets as (

    select distinct attribute_concept_id
    from attribute_values

),

coded_item_concepts as (

    select
        coding_schemes.coding_scheme_designator,
        concepts.concept_code,
        min(concepts.concept_id) as concept_id
    from concepts
    inner join coding_schemes
        on concepts.vocabulary_id = coding_schemes.vocabulary_id
    group by coding_schemes.coding_scheme_designator, concepts.concept_code

),

joined as (

    select
        header_values.*,
        attribute_concepts.concept_id as attribute_concept_id,
        (
            header_values.value_source = 'coded_sequence'
            or (header_values.vr = 'CS' and attributes_with_value_sets.attribute_concept_id is not null)
        ) as is_coded_value,
        coalesce(attribute_values.value_concept_id, coded_item_concepts.concept_id) as source_value_concept_id,
        unit_concepts.unit_code,
        unit_concepts.unit_concept_id
    from header_values
    left join attribute_concepts
        on header_values.attribute_code = attribute_concepts.concept_code
    left join attributes_with_value_sets
        on attribute_concepts.concept_id = attributes_with_value_sets.attribute_concept_id
    left join attribute_values
        on
            attribute_concepts.concept_id = attribute_values.attribute_concept_id
            and header_values.value_source <> 'coded_sequence'
            and upper(trim(header_values.value_text)) = upper(attribute_values.value_code)
    left join coded_item_concepts
        on
            header_values.value_source = 'coded_sequence'
            and header_values.coding_scheme_designator = coded_item_concepts.coding_scheme_designator
            and header_values.value_text = coded_item_concepts.concept_code
    left join unit_concepts
        on header_values.tag = unit_concepts.tag

),

final as (

    select
        joined.*,
        coalesce(standard_maps.standard_concept_id, joined.source_value_concept_id) as value_concept_id
    from joined
    left join standard_maps
        on joined.source_value_concept_id = standard_maps.concept_id

)

select * from final
