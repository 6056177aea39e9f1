{#- Header values outside the value set PS3.3 gives their attribute, by attribute, value and
    manufacturer, for `omop-imaging report --section conformance-values`:
    - a CS value that is none of the attribute's Defined Terms / Enumerated Values;
    - a coded sequence item whose code is not in the attribute's linked context groups (nor, for
      Anatomic Region Sequence, an Annex L code).
    finding: 'not_allowed' where the value set is Enumerated (no other value is valid), 'extension'
    where it is Baseline / Defined (other values are allowed, but are worth knowing).
    Allowed values are the attribute's 'Maps to value' rows of the DICOM seed, by code, so codes of
    SNOMED CT, LOINC and UCUM count as allowed whether or not the vocabulary holds their concepts.
    Only codes are listed (CS strings of at most 16 characters, code values), never free text. -#}

with

header_values as (

    select * from {{ ref('int_dicom__header_values') }}
    where vr = 'CS' or value_source = 'coded_sequence'

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

attribute_concepts as (

    select
        concept_code,
        concept_name
    from {{ ref('dicom_concept') }}
    where concept_class_id = 'DICOM Attributes'

),

series as (

    select * from {{ ref('int_dicom__series') }}

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

    select
        checked.attribute_code as tag,
        attribute_concepts.concept_name as attribute_name,
        checked.value_set_type,
        checked.strictness,
        case when checked.strictness = 'enumerated' then 'not_allowed' else 'extension' end as finding,
        cast(substr(checked.value_code, 1, 64) as {{ dbt.type_string() }}) as value_code,
        checked.coding_scheme_designator,
        coalesce(series.manufacturer, '') as manufacturer,
        count(distinct checked.series_instance_uid) as series_count
    from checked
    inner join series
        on checked.series_instance_uid = series.series_instance_uid
    left join attribute_concepts
        on checked.attribute_code = attribute_concepts.concept_code
    where not checked.is_allowed
    group by
        checked.attribute_code,
        attribute_concepts.concept_name,
        checked.value_set_type,
        checked.strictness,
        checked.value_code,
        checked.coding_scheme_designator,
        series.manufacturer

)

select * from final
