{#- Header values outside the value set PS3.3 gives their attribute, by attribute, value and
    manufacturer, for `omop-imaging report --section conformance-values`; which values are outside
    is decided per series in int_dicom__nonconforming_values.
    finding: 'not_allowed' where the value set is Enumerated (no other value is valid), 'extension'
    where it is Baseline / Defined (other values are allowed, but are worth knowing).
    Only codes are listed (CS strings of at most 16 characters, code values), never free text. -#}

with

nonconforming_values as (

    select * from {{ ref('int_dicom__nonconforming_values') }}

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

final as (

    select
        nonconforming_values.attribute_code as tag,
        attribute_concepts.concept_name as attribute_name,
        nonconforming_values.value_set_type,
        nonconforming_values.strictness,
        case when nonconforming_values.strictness = 'enumerated' then 'not_allowed' else 'extension' end as finding,
        cast(substr(nonconforming_values.value_code, 1, 64) as {{ dbt.type_string() }}) as value_code,
        nonconforming_values.coding_scheme_designator,
        coalesce(series.manufacturer, '') as manufacturer,
        count(distinct nonconforming_values.series_instance_uid) as series_count
    from nonconforming_values
    inner join series
        on nonconforming_values.series_instance_uid = series.series_instance_uid
    left join attribute_concepts
        on nonconforming_values.attribute_code = attribute_concepts.concept_code
    group by
        nonconforming_values.attribute_code,
        attribute_concepts.concept_name,
        nonconforming_values.value_set_type,
        nonconforming_values.strictness,
        nonconforming_values.value_code,
        nonconforming_values.coding_scheme_designator,
        series.manufacturer

)

select * from final
