{#- One row per element value, typed by its VR (macros/dicom_elements.sql, which the models built
    by scope use too, so that they type only the rows of their scope). -#}
{{ typed_dicom_elements() }}
