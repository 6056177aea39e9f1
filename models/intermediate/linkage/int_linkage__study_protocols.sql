{#- Per study, its protocol text and the protocol_map row it matches (seeds/mapping/protocol_map.csv,
    docs/protocol_mapping.md): modality and body part equal (an empty cell matches any), the
    upper-cased study description, protocol names or series descriptions LIKE the pattern; the lowest
    priority wins, ties broken by the playbook code. -#}

with

series as (

    select * from {{ ref('int_dicom__series') }}

),

protocol_map as (

    select * from {{ ref('protocol_map') }}

),

concepts as (

    select * from {{ ref('concept') }}

),

-- every (study, text) a protocol can be recognised in
study_texts as (

    select
        study_instance_uid,
        modality,
        body_part_examined,
        upper(coalesce(study_description, '')) as protocol_text
    from series

    union all

    select
        study_instance_uid,
        modality,
        body_part_examined,
        upper(coalesce(protocol_name, '')) as protocol_text
    from series

    union all

    select
        study_instance_uid,
        modality,
        body_part_examined,
        upper(coalesce(series_description, '')) as protocol_text
    from series

),

matches as (

    select
        study_texts.study_instance_uid,
        protocol_map.priority,
        protocol_map.playbook_code,
        protocol_map.protocol_name,
        protocol_map.vocabulary_id,
        protocol_map.concept_code,
        row_number() over (
            partition by study_texts.study_instance_uid
            order by protocol_map.priority asc, protocol_map.playbook_code asc
        ) as match_rank
    from study_texts
    inner join protocol_map
        on
            (coalesce(protocol_map.modality, '') = '' or study_texts.modality = protocol_map.modality)
            and (
                coalesce(protocol_map.body_part_examined, '') = ''
                or study_texts.body_part_examined = protocol_map.body_part_examined
            )
            and study_texts.protocol_text like upper(protocol_map.description_pattern)

),

study_protocol_text as (

    select
        study_instance_uid,
        coalesce(min(study_description), min(protocol_name), min(series_description)) as protocol_source_value,
        min(modality) as modality,
        min(body_part_examined) as body_part_examined
    from series
    group by study_instance_uid

),

final as (

    select
        study_protocol_text.study_instance_uid,
        study_protocol_text.modality,
        study_protocol_text.body_part_examined,
        study_protocol_text.protocol_source_value,
        matches.playbook_code,
        matches.protocol_name,
        coalesce(concepts.concept_id, 0) as protocol_concept_id
    from study_protocol_text
    left join matches
        on
            study_protocol_text.study_instance_uid = matches.study_instance_uid
            and matches.match_rank = 1
    left join concepts
        on
            matches.vocabulary_id = concepts.vocabulary_id
            and matches.concept_code = concepts.concept_code

)

select * from final
