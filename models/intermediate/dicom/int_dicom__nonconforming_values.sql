{#- Per series, the header values outside the value set PS3.3 gives their attribute (the inputs of
    header_value_conformance, kept per series so that a build checks only the series it rebuilds):
    - a CS value that is none of the attribute's Defined Terms / Enumerated Values;
    - a coded sequence item whose code is not in the attribute's linked context groups (nor, for
      Anatomic Region Sequence, an Annex L code).
    Allowed values are the attribute's 'Maps to value' rows of the DICOM seed, by code, so codes of
    SNOMED CT, LOINC and UCUM count as allowed whether or not the vocabulary holds their concepts. -#}
{{ config(**build_scope_config()) }}

with

header_values as (

    select * from {{ ref('int_dicom__header_values') }}
    where
        (vr = 'CS' or value_source = 'coded_sequence')
        and {{ in_build_scope('series_instance_uid') }}

),

value_sets as (

    select * from {{ ref('dicom_attribute_value_set') }}

),

allowed_values as (

    select
        concept_code_1 as attribute_code,
        vocabulary_id_2 as vocabulary_id,
        upper(concept_code_2) as value_code
    from {{ ref('dicom_concept_relationship') }}
    where relationship_id = 'Maps to value' and vocabulary_id_1 = 'DICOM'

),

coding_schemes as (

    select * from {{ ref('coding_scheme_vocabulary') }}

),

checked as (

    select
        header_values.series_instance_uid,
        header_values.attribute_code,
        value_sets.value_set_type,
        value_sets.strictness,
        trim(header_values.value_text) as value_code,
        header_values.coding_scheme_designator,
        allowed_values.attribute_code is not null as is_allowed
    from header_values
    inner join value_sets
        on
            header_values.attribute_code = value_sets.attribute_code
            and value_sets.value_set_type
            = case when header_values.value_source = 'coded_sequence' then 'context_group' else 'terms' end
    left join coding_schemes
        on header_values.coding_scheme_designator = coding_schemes.coding_scheme_designator
    left join allowed_values
        on
            header_values.attribute_code = allowed_values.attribute_code
            and upper(trim(header_values.value_text)) = allowed_values.value_code
            and allowed_values.vocabulary_id
            = case when header_values.value_source = 'coded_sequence' then coding_schemes.vocabulary_id else 'DICOM' end

),

final as (

    select distinct
        series_instance_uid,
        attribute_code,
        value_set_type,
        strictness,
        value_code,
        coding_scheme_designator
    from checked
    where not is_allowed

)

select * from final
