{#- The ETL coverage report: for each output table and column, mapped / unmapped rows and the
    percentage, for the R-CDM and the MI-CDM tables alike (the R-CDM paper published the R-CDM part as its
    Tables 3 and 4). `omop-imaging report` prints it. -#}

{%- set checked = [
    ('radiology_occurrence', 'person_id', 'value'),
    ('radiology_occurrence', 'radiology_occurrence_date', 'value'),
    ('radiology_occurrence', 'radiology_occurrence_datetime', 'value'),
    ('radiology_occurrence', 'modality', 'text'),
    ('radiology_occurrence', 'manufacturer', 'text'),
    ('radiology_occurrence', 'protocol_concept_id', 'concept'),
    ('radiology_occurrence', 'protocol_source_value', 'text'),
    ('radiology_occurrence', 'count_of_series', 'value'),
    ('radiology_occurrence', 'count_of_images', 'value'),
    ('radiology_image', 'file_path', 'text'),
    ('radiology_image', 'body_part_source_value', 'text'),
    ('radiology_image', 'laterality_concept_id', 'concept'),
    ('radiology_image', 'series_type_concept_id', 'concept'),
    ('radiology_image', 'series_type_source_value', 'text'),
    ('radiology_image', 'series_total_number', 'value'),
    ('radiology_image', 'series_serial_number', 'value'),
    ('radiology_image', 'image_resolution_rows', 'value'),
    ('radiology_image', 'image_resolution_columns', 'value'),
    ('radiology_image', 'ct_slice_thickness', 'value'),
    ('person', 'year_of_birth', 'value'),
    ('person', 'gender_concept_id', 'concept'),
    ('procedure_occurrence', 'procedure_concept_id', 'concept'),
    ('procedure_occurrence', 'procedure_date', 'value'),
    ('procedure_occurrence', 'visit_occurrence_id', 'value'),
    ('image_occurrence', 'person_id', 'value'),
    ('image_occurrence', 'procedure_occurrence_id', 'value'),
    ('image_occurrence', 'visit_occurrence_id', 'value'),
    ('image_occurrence', 'anatomic_site_concept_id', 'concept'),
    ('image_occurrence', 'wadors_uri', 'text'),
    ('image_occurrence', 'local_path', 'text'),
    ('image_occurrence', 'image_occurrence_date', 'value'),
    ('image_occurrence', 'modality_concept_id', 'concept'),
    ('measurement', 'measurement_concept_id', 'concept'),
    ('measurement', 'value_as_number', 'value'),
    ('measurement', 'value_as_concept_id', 'concept'),
    ('measurement', 'unit_concept_id', 'concept'),
    ('image_feature', 'image_feature_concept_id', 'concept'),
    ('image_feature', 'anatomic_site_concept_id', 'concept'),
] -%}

with

counted as (
    {% for model, column, kind in checked %}
        {{ coverage_row(model, column, kind) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (

    select
        table_name,
        column_name,
        row_count,
        cast(mapped_count as {{ dbt.type_bigint() }}) as mapped_count,
        cast(row_count - mapped_count as {{ dbt.type_bigint() }}) as unmapped_count,
        case
            when row_count > 0 then cast(round(100.0 * mapped_count / row_count, 2) as numeric(5, 2))
        end as mapped_percent
    from counted

)

select * from final
