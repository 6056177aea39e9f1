{#- The unit of each numeric DICOM attribute whose unit the standard fixes, with its UCUM concept
    (by (vocabulary_id, concept_code); null where the vocabulary lacks it). Units come from the
    generated seed dicom_attribute_unit (the unit PS3.3 states in the attribute's description);
    seed attribute_unit adds the ones the generator cannot read and overrides it. -#}

with

generated_units as (

    select * from {{ ref('dicom_attribute_unit') }}

),

listed_units as (

    select * from {{ ref('attribute_unit') }}

),

ucum_concepts as (

    select * from {{ ref('concept') }}
    where vocabulary_id = 'UCUM'

),

combined as (

    select
        tag,
        unit_code
    from listed_units

    union all

    select
        generated_units.tag,
        generated_units.unit_code
    from generated_units
    left join listed_units
        on generated_units.tag = listed_units.tag
    where listed_units.tag is null

),

final as (

    select
        combined.tag,
        combined.unit_code,
        min(ucum_concepts.concept_id) as unit_concept_id
    from combined
    left join ucum_concepts
        on combined.unit_code = ucum_concepts.concept_code
    group by combined.tag, combined.unit_code

)

select * from final
