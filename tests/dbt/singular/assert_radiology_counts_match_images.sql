{#- RADIOLOGY_OCCURRENCE's counts agree with its RADIOLOGY_IMAGE rows: count_of_images equals the
    study's image rows and count_of_series its distinct series. Returns the studies that disagree. -#}

with

occurrences as (

    select * from {{ ref('radiology_occurrence') }}

),

images as (

    select
        radiology_occurrence_id,
        count(*) as image_count,
        count(distinct radiology_series_id) as series_count
    from {{ ref('radiology_image') }}
    group by radiology_occurrence_id

),

final as (

    select
        occurrences.radiology_occurrence_id,
        occurrences.count_of_images,
        occurrences.count_of_series,
        images.image_count,
        images.series_count
    from occurrences
    left join images
        on occurrences.radiology_occurrence_id = images.radiology_occurrence_id
    where
        occurrences.count_of_images <> coalesce(images.image_count, 0)
        or occurrences.count_of_series <> coalesce(images.series_count, 0)

)

select * from final
