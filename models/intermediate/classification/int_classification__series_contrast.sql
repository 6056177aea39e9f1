{#- Per series, whether a contrast agent was given, from the header, strongest evidence first. The
    rules are the rows of seeds/classification/contrast_rule.csv, in rule_order, each with its
    contrast status and confidence; the first whose condition below holds decides. Evidence:
    Contrast/Bolus Agent (0018,0010) naming one or saying none, the Agent Sequence (0018,0012) with
    items, Route (0018,1040), Volume (0018,1041), Total Dose (0018,1044), Ingredient (0018,1048),
    Contrast/Bolus Agent Administered (0018,9342) in the functional groups of enhanced objects, then
    study / series description or protocol name keywords (weaker: they are free text), then the
    Type 2 Contrast/Bolus Agent present but empty in a CT or MR header. -#}
{{ config(**build_scope_config()) }}

{%- set with_keywords = ['C+', '+C', 'W CONTRAST', 'WITH CONTRAST', 'W/ CONTRAST', 'POST CONTRAST', 'POSTCONTRAST',
    'POST-CONTRAST', 'POST GAD', 'GADO', 'CONTRAST ENHANCED', 'KONTRAST'] -%}
{%- set without_keywords = ['W/O', 'WO CONTRAST', 'WITHOUT', 'NON CON', 'NONCON', 'NON-CON', 'NATIVE', 'PLAIN',
    'PRE CONTRAST', 'PRECONTRAST', 'PRE-CONTRAST', 'NO CONTRAST'] -%}
{%- set no_agent_values = "('NONE', 'NO', 'N', '0', '-', 'NIL', 'WITHOUT')" -%}

{#- The condition of each rule of seeds/classification/contrast_rule.csv, by rule_name; the seed
    gives the rules' order, contrast statuses and confidences. -#}
{%- set rule_conditions = {
    'agent_attributes': "agent_named or agent_sequence_items > 0 or route is not null or volume > 0"
        ~ " or total_dose > 0 or ingredient is not null or agent_administered = 'YES'",
    'agent_denied': "agent_denied or agent_administered = 'NO'",
    'described_with': "described_with and not described_without",
    'described_without': "described_without and not described_with",
    'agent_present_empty': "has_agent_element and agent is null and modality in ('CT', 'MR')",
    'nothing': "true",
} -%}

with

series as (

    select * from {{ ref('int_dicom__series') }}
    where {{ in_build_scope('series_instance_uid') }}

),

contrast_rules as (

    select * from {{ ref('contrast_rule') }}

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

-- every contrast rule each series meets
rule_hits as (
    {%- for rule_name, condition in rule_conditions.items() %}

        select
            series_instance_uid,
            '{{ rule_name }}' as rule_name
        from evidence
        where {{ condition }}
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

),

-- the first of them in the rule table's order
deciding_rules as (

    select
        rule_hits.series_instance_uid,
        contrast_rules.contrast_status,
        contrast_rules.confidence,
        row_number() over (
            partition by rule_hits.series_instance_uid
            order by contrast_rules.rule_order
        ) as rule_rank
    from rule_hits
    inner join contrast_rules
        on rule_hits.rule_name = contrast_rules.rule_name

),

-- the words of the evidence that decided
explained as (

    select
        series_instance_uid,
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

),

final as (

    select
        explained.series_instance_uid,
        deciding_rules.contrast_status,
        cast(deciding_rules.confidence as decimal(3, 2)) as contrast_confidence,
        explained.contrast_evidence
    from explained
    inner join deciding_rules
        on
            explained.series_instance_uid = deciding_rules.series_instance_uid
            and deciding_rules.rule_rank = 1

)

select * from final
