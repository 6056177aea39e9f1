{#- Per series, the anatomical plane (macro image_plane: dominant axis of the slice normal, oblique
    below setting oblique_threshold) from each instance's Image Orientation Patient; for enhanced
    multi-frame objects without it, from the Plane Orientation Sequence of the shared (else the
    first frame's) functional groups. The majority plane wins; confidence is its share of the
    instances, and instances that disagree are flagged. -#}
{{ config(**build_scope_config()) }}

with

instances as (

    select * from {{ ref('int_dicom__instances') }}
    where {{ in_build_scope('series_instance_uid') }}

),

representative_elements as (

    select * from {{ ref('int_dicom__representative_elements') }}
    where {{ in_build_scope('series_instance_uid') }}

),

-- Plane Orientation Sequence (0020,9116) > Image Orientation (Patient) in the functional groups
functional_group_orientation as (

    select
        series_instance_uid,
        min(sequence_path) as sequence_path,
        max(case when value_index = 0 then value_number end) as orientation_row_x,
        max(case when value_index = 1 then value_number end) as orientation_row_y,
        max(case when value_index = 2 then value_number end) as orientation_row_z,
        max(case when value_index = 3 then value_number end) as orientation_column_x,
        max(case when value_index = 4 then value_number end) as orientation_column_y,
        max(case when value_index = 5 then value_number end) as orientation_column_z
    from representative_elements
    where
        tag = '00200037'
        and sequence_path in ('52009229[0]/00209116[0]', '52009230[0]/00209116[0]')
    group by series_instance_uid, sequence_path

),

functional_group_planes as (

    select
        functional_group_orientation.series_instance_uid,
        {{ image_plane('functional_group_orientation') }} as image_plane,
        -- the shared groups ('52009229...') sort first
        row_number()
            over (
                partition by functional_group_orientation.series_instance_uid
                order by functional_group_orientation.sequence_path
            )
            as preference
    from functional_group_orientation

),

instance_planes as (

    select
        series_instance_uid,
        image_plane,
        count(*) as instance_count
    from instances
    where image_plane is not null
    group by series_instance_uid, image_plane

),

instance_votes as (

    select
        series_instance_uid,
        image_plane,
        instance_count,
        sum(instance_count) over (partition by series_instance_uid) as oriented_instance_count,
        count(*) over (partition by series_instance_uid) as plane_count,
        row_number() over (
            partition by series_instance_uid order by instance_count desc, image_plane asc
        ) as vote_rank
    from instance_planes

),

series as (

    select distinct series_instance_uid
    from instances

),

final as (

    select
        series.series_instance_uid,
        coalesce(instance_votes.image_plane, functional_group_planes.image_plane) as image_plane,
        case
            -- divided as doubles: a decimal literal (1.0 * ...) rounds differently per engine
            when instance_votes.image_plane is not null
                then cast(instance_votes.instance_count as {{ type_double() }}) / instance_votes.oriented_instance_count
            when functional_group_planes.image_plane is not null then 1.0
            else 0.0
        end as image_plane_confidence,
        coalesce(instance_votes.plane_count > 1, false) as has_plane_disagreement,
        case
            when instance_votes.image_plane is not null
                then
                    'Image Orientation Patient (0020,0037): '
                    || {{ dbt.cast('instance_votes.instance_count', dbt.type_string()) }} || ' of '
                    || {{ dbt.cast('instance_votes.oriented_instance_count', dbt.type_string()) }} || ' instances'
            when functional_group_planes.image_plane is not null
                then 'Plane Orientation Sequence (0020,9116) in the functional groups'
            else 'no orientation in the header'
        end as image_plane_evidence
    from series
    left join instance_votes
        on
            series.series_instance_uid = instance_votes.series_instance_uid
            and instance_votes.vote_rank = 1
    left join functional_group_planes
        on
            series.series_instance_uid = functional_group_planes.series_instance_uid
            and functional_group_planes.preference = 1

)

select * from final
