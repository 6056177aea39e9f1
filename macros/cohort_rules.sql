{#-
    The MI-CDM paper's rule for T1-weighted volumetric MRI, as published with its code:
    (TR 1500-2500 ms and TE < 10 ms and TI 800-1000 ms) or (TR < 10 ms and TE < 10 ms and TI < 500 ms).
    Bounds are inclusive where the paper says "between", strict where it says "<".
-#}
{% macro t1_volumetric_rule(repetition_time, echo_time, inversion_time) -%}
    (
        (
            {{ repetition_time }} between 1500 and 2500
            and {{ echo_time }} < 10
            and {{ inversion_time }} between 800 and 1000
        )
        or (
            {{ repetition_time }} < 10
            and {{ echo_time }} < 10
            and {{ inversion_time }} < 500
        )
    )
{%- endmacro %}
