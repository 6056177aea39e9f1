{#- Per series, whether a contrast agent was given, from the header, strongest evidence first:
    1. Contrast/Bolus attributes that say an agent was given: Agent (0018,0010) naming one, the
       Agent Sequence (0018,0012) with items, Route (0018,1040), Volume (0018,1041) > 0, Total Dose
       (0018,1044), Ingredient (0018,1048), or Contrast/Bolus Agent Administered (0018,9342) YES in
       the functional groups of enhanced objects                                     -> with, 0.95
    2. An agent of 'NONE' / 'NO', or Agent Administered NO                             -> without, 0.9
    3. Study / series description or protocol name keywords (weaker: they are free text)
       ('C+', 'W CONTRAST', 'POST CONTRAST', 'GAD', ... / 'W/O', 'WITHOUT', 'NON CON', 'NATIVE', ...)
                                                                                   -> with / without, 0.7
    4. The Type 2 Contrast/Bolus Agent present but empty, in a CT or MR header         -> without, 0.6
    5. nothing says                                                                   -> unknown, 0.0 -#}
{{ config(**build_scope_config()) }}

{%- set with_keywords = ['C+', '+C', 'W CONTRAST', 'WITH CONTRAST', 'W/ CONTRAST', 'POST CONTRAST', 'POSTCONTRAST',
    'POST-CONTRAST', 'POST GAD', 'GADO', 'CONTRAST ENHANCED', 'KONTRAST'] -%}
{%- set without_keywords = ['W/O', 'WO CONTRAST', 'WITHOUT', 'NON CON', 'NONCON', 'NON-CON', 'NATIVE', 'PLAIN',
    'PRE CONTRAST', 'PRECONTRAST', 'PRE-CONTRAST', 'NO CONTRAST'] -%}
{%- set no_agent_values = "('NONE', 'NO', 'N', '0', '-', 'NIL', 'WITHOUT')" -%}

with

series as (

    select * from {{ ref('int_dicom__series') }}
    where {{ in_build_scope('series_instance_uid') }}

),

representative_elements as (

    select * from {{ ref('int_dicom__representative_elements') }}
    where value_index = 0 and {{ in_build_scope('series_instance_uid') }}

),

contrast_attributes as (

    select
        series_instance_uid,
        max(case when tag = '00180010' and is_top_level then 1 else 0 end) as has_agent_element,
        max(case when tag = '00180010' and is_top_level then upper(trim(value_text)) end) as agent,
        max(case when tag = '00180012' and is_top_level then value_number end) as agent_sequence_items,
        max(case when tag = '00181040' and is_top_level then value_text end) as route,
        max(case when tag = '00181041' and is_top_level then value_number end) as volume,
        max(case when tag = '00181044' and is_top_level then value_number end) as total_dose,
        max(case when tag = '00181048' and is_top_level then value_text end) as ingredient,
        max(case when tag = '00189342' then upper(trim(value_text)) end) as agent_administered
    from representative_elements
    where tag in ('00180010', '00180012', '00181040', '00181041', '00181044', '00181048', '00189342')
    group by series_instance_uid

),

described as (

    select
        series.series_instance_uid,
        series.modality,
        upper(
            coalesce(series.study_description, '') || ' | ' || coalesce(series.series_description, '')
            || ' | ' || coalesce(series.protocol_name, '')
        ) as descriptions,
        coalesce(contrast_attributes.has_agent_element, 0) = 1 as has_agent_element,
        contrast_attributes.agent,
        coalesce(contrast_attributes.agent_sequence_items, 0) as agent_sequence_items,
        contrast_attributes.route,
        contrast_attributes.volume,
        contrast_attributes.total_dose,
        contrast_attributes.ingredient,
        contrast_attributes.agent_administered
    from series
    left join contrast_attributes
        on series.series_instance_uid = contrast_attributes.series_instance_uid

),

evidence as (

    select
        *,
        (agent is not null and agent not in {{ no_agent_values }}) as agent_named,
        (agent in {{ no_agent_values }}) as agent_denied,
        (
            {%- for keyword in with_keywords %}
                descriptions like '%{{ keyword }}%'{% if not loop.last %} or{% endif %}
            {%- endfor %}
        ) as described_with,
        (
            {%- for keyword in without_keywords %}
                descriptions like '%{{ keyword }}%'{% if not loop.last %} or{% endif %}
            {%- endfor %}
        ) as described_without
    from described

),

final as (

    select
        series_instance_uid,
        case
            when
                agent_named or agent_sequence_items > 0 or route is not null or volume > 0
                or total_dose > 0 or ingredient is not null or agent_administered = 'YES'
                then 'WITH_CONTRAST'
            when agent_denied or agent_administered = 'NO' then 'WITHOUT_CONTRAST'
            when described_with and not described_without then 'WITH_CONTRAST'
            when described_without and not described_with then 'WITHOUT_CONTRAST'
            when has_agent_element and agent is null and modality in ('CT', 'MR') then 'WITHOUT_CONTRAST'
            else 'CONTRAST_UNKNOWN'
        end as contrast_status,
        case
            when
                agent_named or agent_sequence_items > 0 or route is not null or volume > 0
                or total_dose > 0 or ingredient is not null or agent_administered = 'YES'
                then 0.95
            when agent_denied or agent_administered = 'NO' then 0.9
            when described_with and not described_without then 0.7
            when described_without and not described_with then 0.7
            when has_agent_element and agent is null and modality in ('CT', 'MR') then 0.6
            else 0.0
        end as contrast_confidence,
        case
            when agent_named then 'Contrast/Bolus Agent (0018,0010) names an agent'
            when agent_sequence_items > 0 then 'Contrast/Bolus Agent Sequence (0018,0012) has items'
            when route is not null then 'Contrast/Bolus Route (0018,1040) present'
            when volume > 0 then 'Contrast/Bolus Volume (0018,1041) > 0'
            when total_dose > 0 then 'Contrast/Bolus Total Dose (0018,1044) > 0'
            when ingredient is not null then 'Contrast/Bolus Ingredient (0018,1048) present'
            when agent_administered = 'YES' then 'Contrast/Bolus Agent Administered (0018,9342) YES'
            when agent_denied then 'Contrast/Bolus Agent (0018,0010) says none'
            when agent_administered = 'NO' then 'Contrast/Bolus Agent Administered (0018,9342) NO'
            when described_with and not described_without then 'description keywords: with contrast'
            when described_without and not described_with then 'description keywords: without contrast'
            when has_agent_element and agent is null and modality in ('CT', 'MR')
                then 'Contrast/Bolus Agent (0018,0010) present and empty'
            else 'nothing in the header'
        end as contrast_evidence
    from evidence

)

select * from final
