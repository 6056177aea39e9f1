{#-
    omop-imaging generic test: every non-null code in the column is a concept_code of
    `vocabulary_id` in the concept model. Returns the codes that are missing.
-#}
{% test codes_exist_in_vocabulary(model, column_name, vocabulary_id) %}

with

codes as (

    select distinct {{ column_name }} as code
    from {{ model }}
    where {{ column_name }} is not null

),

vocabulary_codes as (

    select concept_code
    from {{ ref('concept') }}
    where vocabulary_id = '{{ vocabulary_id }}'

),

final as (

    select codes.code
    from codes
    left join vocabulary_codes
        on codes.code = vocabulary_codes.concept_code
    where vocabulary_codes.concept_code is null

)

select * from final

{% endtest %}
