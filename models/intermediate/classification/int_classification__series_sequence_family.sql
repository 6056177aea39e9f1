{#- Per series, from the header: the MR sequence family, whether the MR acquisition is volumetric
    (3D), and whether the series is a localizer / scout (any modality).

    Inputs (representative header; enhanced MR objects: the same attributes in the shared, else the
    first frame's functional groups, where the top level lacks them; Image Type and b-value: every
    instance of the series):
      TR (0018,0080), TE (0018,0081) or Effective Echo Time (0018,9082), TI (0018,0082) or Inversion
      Times (0018,9079), Flip Angle (0018,1314), Scanning Sequence (0018,0020), Sequence Variant
      (0018,0021), Scan Options (0018,0022), MR Acquisition Type (0018,0023), Sequence Name
      (0018,0024), Pulse Sequence Name (0018,9005), Echo Pulse Sequence (0018,9008), Inversion
      Recovery (0018,9009), Acquisition Contrast (0008,9209), Phase Contrast (0018,9014), Time of
      Flight Contrast (0018,9015), Image Type (0008,0008) / Frame Type (0008,9007), Diffusion b-value
      (0018,9087), Series Description (0008,103E), Protocol Name (0018,1030), and whether the
      series' instances lie in more than one plane (int_classification__series_plane).

    MR sequence family: the rules are the rows of seeds/classification/sequence_family_rule.csv, in
    rule_order, each with its family and confidence; the first whose condition below holds decides.
    Descriptions are Series Description and Protocol Name (never the Study Description, which is
    shared by every series of a study). Short keywords only match as whole words.

    Volumetric (MR only): MR Acquisition Type 3D -> yes (0.95), 2D -> no (0.95); else a '3D' in the
    sequence name (Siemens '*tfl3d1', '*fl3d1') -> yes (0.8); else 3D keywords in descriptions
    (3D, MPRAGE, SPACE, CUBE, BRAVO, VISTA, ISO) -> yes (0.7); else no, 0.5 (2D is the default).

    Localizer (any modality): Image Type contains LOCALIZER, or the localizer keywords above (also
    TOPOGRAM, SURVIEW, SCANOGRAM) in descriptions, or, for MR, ORIGINAL images in several planes. -#}
{{ config(**build_scope_config()) }}

{%- set localizer_strings = ['LOCALIZER', 'LOCALISER', 'SCOUT', 'SURVEY', 'PILOT', 'TOPOGRAM', 'SURVIEW',
    'SCANOGRAM', 'AAHEAD', 'TRIPLANE', 'TRI-PLANE', '3-PLANE', '3PLANE', '3 PLANE'] -%}
{%- set localizer_words = ['LOC', 'TOPO'] -%}
{%- set adc_words = ['ADC', 'EADC', 'APPARENT DIFFUSION'] -%}
{%- set diffusion_strings = ['DIFFUSION', 'EP2D_DIFF', 'RESOLVE', 'TENSOR', 'TRACEW'] -%}
{%- set diffusion_words = ['DWI', 'DTI', 'DIFF', 'HARDI', 'TRACE'] -%}
{%- set perfusion_strings = ['PERFUSION', 'EP2D_PERF', 'PCASL', 'PASL'] -%}
{%- set perfusion_words = ['PERF', 'ASL', 'DSC', 'DCE', 'CBF', 'CBV', 'RCBV', 'MTT', 'TTP'] -%}
{%- set angiography_strings = ['ANGIO', 'TOF', 'VENO', 'PHASE CONTRAST', 'FL3D1R_T'] -%}
{%- set angiography_words = ['MRA', 'MRV', 'CE-MRA', 'PCA'] -%}
{%- set field_map_strings = ['FIELD_MAP', 'FIELD MAP', 'FIELDMAP', 'FMAP', 'B0MAP', 'B0_MAP', 'B1MAP', 'B1_MAP',
    '*FM2D', '*FM3D'] -%}
{%- set flair_strings = ['FLAIR', 'DARK FLUID', 'DARK-FLUID', 'DARKFLUID'] -%}
{%- set t2star_strings = ['T2*', 'T2STAR', 'T2_STAR', 'T2 STAR', 'SUSCEPTIBILITY', 'HEMOSIDERIN', '*SWI'] -%}
{%- set t2star_words = ['SWI', 'SWAN', 'HEMO', 'MEDIC', 'GRE_T2', 'T2GRE', 'T2_GRE'] -%}
{%- set t1_strings = ['MPRAGE', 'MP-RAGE', 'MP2RAGE', 'SPGR', 'BRAVO', 'THRIVE', 'T1TFE', 'T1_', 'T1-'] -%}
{%- set t1_words = ['T1', 'T1W', 'VIBE', 'LAVA', 'FSPGR'] -%}
{%- set t2_words = ['T2', 'T2W', 'T2_TSE', 'T2_FSE'] -%}
{%- set pd_words = ['PD', 'PDW', 'PD_TSE', 'PD_FSE', 'PROTON DENSITY'] -%}
{%- set volumetric_strings = ['3D', 'MPRAGE', 'MP2RAGE', 'SPACE', 'CUBE', 'BRAVO', 'VISTA'] -%}
{%- set volumetric_words = ['ISO'] -%}

{#- The condition of each rule of seeds/classification/sequence_family_rule.csv, by rule_name; the
    seed gives the rules' order, families and confidences. -#}
{%- set rule_conditions = {
    'localizer_image_type': "image_type_localizer",
    'localizer_description': "described_localizer",
    'localizer_multiplane': "has_plane_disagreement and not image_type_derived and not image_type_projection",
    'adc_image_type': "image_type_adc",
    'adc_description': "described_adc",
    'diffusion_attributes': "image_type_diffusion or max_b_value > 0 or sequence_name_b_value"
        ~ " or acquisition_contrast = 'DIFFUSION'",
    'diffusion_description': "described_diffusion",
    'perfusion_attributes': "image_type_perfusion or acquisition_contrast = 'PERFUSION'",
    'perfusion_description': "described_perfusion",
    'angiography_attributes': "acquisition_contrast in ('ANGIO', 'TOF', 'FLOW_ENCODED')"
        ~ " or time_of_flight_contrast = 'YES' or phase_contrast = 'YES'",
    'angiography_description': "described_angiography",
    'field_map': "image_type_field_map or described_field_map",
    'acquisition_contrast': "acquisition_contrast is not null",
    'flair_inversion_time': "inversion_time >= 1400 and coalesce(echo_time >= 40, true)",
    't1_inversion_time': "(inversion_time >= 300 and inversion_time <= 1300 and echo_time < 30)"
        ~ " or (inversion_time > 0 and inversion_time < 300 and repetition_time < 15 and echo_time < 10)",
    'stir_inversion_time': "inversion_time >= 80 and inversion_time < 300 and echo_time >= 30",
    'long_ti_short_te': "inversion_time >= 1400 and echo_time < 15",
    'spin_echo_t1': "is_spin_echo and not is_gradient_echo and repetition_time <= 800 and echo_time <= 30",
    'spin_echo_t2': "is_spin_echo and not is_gradient_echo and repetition_time >= 2000 and echo_time >= 80",
    'spin_echo_pd': "is_spin_echo and not is_gradient_echo and repetition_time >= 1500 and echo_time <= 35",
    'flair_description': "described_flair",
    't2star_description': "described_t2star",
    't1_description': "described_t1",
    't2_description': "described_t2 and not described_pd",
    'pd_description': "described_pd",
    'echo_planar_other': "is_echo_planar",
    'gradient_echo_t2star': "is_gradient_echo and not is_spin_echo and echo_time >= 15",
    'gradient_echo_t1': "is_gradient_echo and not is_spin_echo and echo_time < 15 and repetition_time < 500",
    'long_tr_long_te': "repetition_time >= 1500 and echo_time >= 40",
    'short_tr_short_te': "repetition_time < 1500 and echo_time < 40",
    'other_with_timing': "repetition_time is not null or echo_time is not null",
    'nothing': "true",
} -%}

with

series as (

    select * from {{ ref('int_dicom__series') }}
    where {{ in_build_scope('series_instance_uid') }}

),

planes as (

    select * from {{ ref('int_classification__series_plane') }}
    where {{ in_build_scope('series_instance_uid') }}

),

family_rules as (

    select * from {{ ref('sequence_family_rule') }}

),

files as (

    select * from {{ ref('stg_dicom__files') }}
    where is_harvested and {{ in_build_scope('series_instance_uid') }}

),

representative_elements as (

    select * from {{ ref('int_dicom__representative_elements') }}
    where
        {{ in_build_scope('series_instance_uid') }}
        and
        (
            sequence_path = ''
            or sequence_path like '52009229[0]/%'
            or sequence_path like '52009230[%'
        )

),

-- instance-level attributes that any instance of the series may carry
instance_elements as (

    select elements.*
    from {{ dicom_elements_in_build_scope() }} as elements
    inner join files
        on elements.file_id = files.file_id
    where elements.tag in ('00080008', '00089007', '00189087')

),

timing as (

    select
        series_instance_uid,
        {{ header_or_functional_group('00180080', 'value_number') }} as repetition_time,
        {{ header_or_functional_group('00180080', 'trim(value_text)') }} as repetition_time_text,
        coalesce(
            {{ header_or_functional_group('00180081', 'value_number') }},
            {{ header_or_functional_group('00189082', 'value_number') }}
        ) as echo_time,
        coalesce(
            {{ header_or_functional_group('00180081', 'trim(value_text)') }},
            {{ header_or_functional_group('00189082', 'trim(value_text)') }}
        ) as echo_time_text,
        coalesce(
            {{ header_or_functional_group('00180082', 'value_number') }},
            {{ header_or_functional_group('00189079', 'value_number') }}
        ) as inversion_time,
        coalesce(
            {{ header_or_functional_group('00180082', 'trim(value_text)') }},
            {{ header_or_functional_group('00189079', 'trim(value_text)') }}
        ) as inversion_time_text,
        {{ header_or_functional_group('00181314', 'value_number') }} as flip_angle,
        {{ header_or_functional_group('00181314', 'trim(value_text)') }} as flip_angle_text,
        {{ header_or_functional_group('00180023', 'upper(trim(value_text))') }} as acquisition_type,
        {{ header_or_functional_group('00089209', 'upper(trim(value_text))') }} as acquisition_contrast,
        {{ header_or_functional_group('00189008', 'upper(trim(value_text))') }} as echo_pulse_sequence,
        {{ header_or_functional_group('00189009', 'upper(trim(value_text))') }} as inversion_recovery,
        {{ header_or_functional_group('00189014', 'upper(trim(value_text))') }} as phase_contrast,
        {{ header_or_functional_group('00189015', 'upper(trim(value_text))') }} as time_of_flight_contrast,
        trim(upper(
            coalesce({{ header_or_functional_group('00180024', 'trim(value_text)') }}, '')
            || ' ' || coalesce({{ header_or_functional_group('00189005', 'trim(value_text)') }}, '')
        )) as sequence_names,
        {{ ordered_string_agg(
            "case when tag = '00180020' and sequence_path = '' then upper(trim(value_text)) end",
            "'/'",
            'value_index'
        ) }} as scanning_sequence,
        {{ ordered_string_agg(
            "case when tag = '00180021' and sequence_path = '' then upper(trim(value_text)) end",
            "'/'",
            'value_index'
        ) }} as sequence_variant,
        max(
            case when tag = '00180022' and sequence_path = '' and upper(trim(value_text)) = 'IR' then 1 else 0 end
        ) as has_inversion_scan_option,
        max(case when tag = '00189087' then value_number end) as representative_b_value
    from representative_elements
    group by series_instance_uid

),

instance_values as (

    select
        series_instance_uid,
        tag,
        value_index,
        upper(trim(value_text)) as value_text,
        value_number
    from instance_elements

),

image_types as (

    select
        series_instance_uid,
        max(case when value_text = 'LOCALIZER' then 1 else 0 end) as has_localizer,
        max(case when value_text = 'ADC' then 1 else 0 end) as has_adc,
        max(case when value_text in ('DIFFUSION', 'TRACEW', 'TRACE', 'FA', 'ISODWI') then 1 else 0 end)
            as has_diffusion,
        max(
            case when value_text in ('PERFUSION', 'CBF', 'CBV', 'MTT', 'TTP', 'RELCBF', 'RELCBV') then 1 else 0 end
        ) as has_perfusion,
        max(case when value_text in ('FIELD_MAP', 'FIELDMAP', 'B0_MAP', 'B0MAP') then 1 else 0 end)
            as has_field_map,
        max(case when value_text in ('PROJECTION IMAGE', 'MIP', 'MNIP') then 1 else 0 end) as has_projection,
        max(case when value_index = 0 and value_text = 'DERIVED' then 1 else 0 end) as has_derived,
        max(case when tag = '00189087' then value_number end) as max_b_value
    from instance_values
    group by series_instance_uid

),

gathered as (

    select
        series.series_instance_uid,
        series.modality,
        series.instance_count,
        upper(coalesce(series.series_description, '') || ' | ' || coalesce(series.protocol_name, ''))
            as descriptions,
        coalesce(timing.sequence_names, '') as sequence_names,
        timing.repetition_time,
        timing.repetition_time_text,
        timing.echo_time,
        timing.echo_time_text,
        timing.inversion_time,
        timing.inversion_time_text,
        timing.flip_angle,
        timing.flip_angle_text,
        timing.acquisition_type,
        timing.acquisition_contrast,
        timing.phase_contrast,
        timing.time_of_flight_contrast,
        coalesce(timing.scanning_sequence, '') as scanning_sequence,
        coalesce(timing.sequence_variant, '') as sequence_variant,
        coalesce(
            ('/' || timing.scanning_sequence || '/') like '%/SE/%'
            or timing.echo_pulse_sequence in ('SPIN', 'BOTH'),
            false
        ) as is_spin_echo,
        coalesce(
            ('/' || timing.scanning_sequence || '/') like '%/GR/%'
            or timing.echo_pulse_sequence in ('GRADIENT', 'BOTH'),
            false
        ) as is_gradient_echo,
        coalesce(('/' || timing.scanning_sequence || '/') like '%/EP/%', false) as is_echo_planar,
        coalesce(
            ('/' || timing.scanning_sequence || '/') like '%/IR/%'
            or timing.has_inversion_scan_option = 1
            or timing.inversion_recovery = 'YES'
            or timing.inversion_time > 0,
            false
        ) as is_inversion_recovery,
        coalesce(image_types.has_localizer, 0) = 1 as image_type_localizer,
        coalesce(image_types.has_adc, 0) = 1 as image_type_adc,
        coalesce(image_types.has_diffusion, 0) = 1 as image_type_diffusion,
        coalesce(image_types.has_perfusion, 0) = 1 as image_type_perfusion,
        coalesce(image_types.has_field_map, 0) = 1 as image_type_field_map,
        coalesce(image_types.has_projection, 0) = 1 as image_type_projection,
        coalesce(image_types.has_derived, 0) = 1 as image_type_derived,
        case
            when image_types.max_b_value is null then timing.representative_b_value
            when timing.representative_b_value > image_types.max_b_value then timing.representative_b_value
            else image_types.max_b_value
        end as max_b_value,
        coalesce(planes.has_plane_disagreement, false) as has_plane_disagreement
    from series
    left join timing
        on series.series_instance_uid = timing.series_instance_uid
    left join image_types
        on series.series_instance_uid = image_types.series_instance_uid
    left join planes
        on series.series_instance_uid = planes.series_instance_uid

),

evidence as (

    select
        *,
        {{ contains_any('descriptions', localizer_strings) }}
        or {{ matches_any_word('descriptions', localizer_words) }} as described_localizer,
        {{ matches_any_word('descriptions', adc_words) }} as described_adc,
        {{ contains_any('descriptions', diffusion_strings) }}
        or {{ matches_any_word('descriptions', diffusion_words) }} as described_diffusion,
        {{ regex_matches('sequence_names', "'EP_B[1-9]'") }} as sequence_name_b_value,
        {{ contains_any('descriptions', perfusion_strings) }}
        or {{ matches_any_word('descriptions', perfusion_words) }} as described_perfusion,
        {{ contains_any('descriptions', angiography_strings) }}
        or {{ matches_any_word('descriptions', angiography_words) }} as described_angiography,
        {{ contains_any("descriptions || ' ' || sequence_names", field_map_strings) }} as described_field_map,
        {{ contains_any('descriptions', flair_strings) }} as described_flair,
        {{ contains_any("descriptions || ' ' || sequence_names", t2star_strings) }}
        or {{ matches_any_word('descriptions', t2star_words) }} as described_t2star,
        {{ contains_any('descriptions', t1_strings) }}
        or {{ matches_any_word('descriptions', t1_words) }} as described_t1,
        {{ matches_any_word('descriptions', t2_words) }} as described_t2,
        {{ matches_any_word('descriptions', pd_words) }} as described_pd,
        {{ contains_any('descriptions', volumetric_strings) }}
        or {{ matches_any_word('descriptions', volumetric_words) }} as described_volumetric,
        sequence_names like '%3D%' as sequence_name_3d
    from gathered

),

-- every family rule each MR series meets
rule_hits as (
    {%- for rule_name, condition in rule_conditions.items() %}

        select
            series_instance_uid,
            acquisition_contrast,
            '{{ rule_name }}' as rule_name
        from evidence
        where modality = 'MR' and ({{ condition }})
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

),

-- the first of them in the rule table's order
deciding_rules as (

    select
        rule_hits.series_instance_uid,
        family_rules.rule_name,
        family_rules.sequence_family,
        family_rules.confidence,
        row_number() over (
            partition by rule_hits.series_instance_uid
            order by family_rules.rule_order
        ) as rule_rank
    from rule_hits
    inner join family_rules
        on rule_hits.rule_name = family_rules.rule_name
    -- an empty cell: the rule does not depend on the Acquisition Contrast value
    where
        coalesce(family_rules.acquisition_contrast, '') = ''
        or family_rules.acquisition_contrast = rule_hits.acquisition_contrast

),

ruled as (

    select
        evidence.*,
        deciding_rules.rule_name as sequence_family_rule,
        deciding_rules.sequence_family,
        cast(deciding_rules.confidence as decimal(3, 2)) as sequence_family_confidence,
        case
            when evidence.image_type_localizer then 'Image Type (0008,0008) contains LOCALIZER'
            when evidence.described_localizer then 'localizer keyword in Series Description / Protocol Name'
            when
                evidence.modality = 'MR'
                and evidence.has_plane_disagreement
                and not evidence.image_type_derived
                and not evidence.image_type_projection
                then 'ORIGINAL images in more than one plane (multi-plane localizer)'
        end as localizer_evidence
    from evidence
    left join deciding_rules
        on
            evidence.series_instance_uid = deciding_rules.series_instance_uid
            and deciding_rules.rule_rank = 1

),

final as (

    select
        series_instance_uid,
        modality,
        sequence_family,
        sequence_family_confidence,
        sequence_family_rule,
        case
            when sequence_family_rule is not null
                then
                    sequence_family_rule
                    || ': TR ' || coalesce(repetition_time_text, '-')
                    || ', TE ' || coalesce(echo_time_text, '-')
                    || ', TI ' || coalesce(inversion_time_text, '-')
                    || ', flip ' || coalesce(flip_angle_text, '-')
                    || ', Scanning Sequence ' || coalesce(nullif(scanning_sequence, ''), '-')
                    || ', Sequence Variant ' || coalesce(nullif(sequence_variant, ''), '-')
                    || coalesce(', Acquisition Contrast ' || acquisition_contrast, '')
                    || case when image_type_diffusion then ', Image Type diffusion' else '' end
                    || case when image_type_adc then ', Image Type ADC' else '' end
                    || case when image_type_localizer then ', Image Type LOCALIZER' else '' end
                    || coalesce(
                        ', b-value '
                        || {{ dbt.cast(dbt.cast('max_b_value', dbt.type_bigint()), dbt.type_string()) }},
                        ''
                    )
                    || case when sequence_names <> '' then ', Sequence Name ' || sequence_names else '' end
        end as sequence_family_evidence,
        case
            when modality <> 'MR' or modality is null then null
            when acquisition_type = '3D' then true
            when acquisition_type = '2D' then false
            when sequence_name_3d then true
            when described_volumetric then true
            else false
        end as is_volumetric,
        case
            when modality <> 'MR' or modality is null then null
            when acquisition_type in ('3D', '2D') then cast(0.95 as decimal(3, 2))
            when sequence_name_3d then cast(0.8 as decimal(3, 2))
            when described_volumetric then cast(0.7 as decimal(3, 2))
            else cast(0.5 as decimal(3, 2))
        end as volumetric_confidence,
        case
            when modality <> 'MR' or modality is null then null
            when acquisition_type in ('3D', '2D') then 'MR Acquisition Type (0018,0023) ' || acquisition_type
            when sequence_name_3d then 'Sequence Name (0018,0024) names a 3D sequence'
            when described_volumetric then '3D keyword in Series Description / Protocol Name'
            else 'no MR Acquisition Type: 2D assumed'
        end as volumetric_evidence,
        localizer_evidence is not null as is_localizer,
        case
            when image_type_localizer then cast(0.95 as decimal(3, 2))
            when described_localizer then cast(0.85 as decimal(3, 2))
            when localizer_evidence is not null then cast(0.7 as decimal(3, 2))
            else cast(0.5 as decimal(3, 2))
        end as localizer_confidence,
        coalesce(localizer_evidence, 'no localizer evidence') as localizer_evidence
    from ruled

)

select * from final
