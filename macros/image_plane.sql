{#-
    Anatomical plane of an image from Image Orientation Patient (0020,0037): the slice normal is
    the cross product of the row and column direction cosines; the plane is the patient axis the
    normal points along (x: sagittal, y: coronal, z: axial). When no axis carries at least
    setting('oblique_threshold') of the unit normal (default 0.8, i.e. the normal is more than about
    37 degrees away from every axis) the image is oblique. NULL without an orientation, or when a
    component does not parse.
    `relation` names the columns orientation_row_x ... orientation_column_z.
-#}
{% macro image_plane(relation) -%}
    {%- set r = relation ~ '.orientation_row_' -%}
    {%- set c = relation ~ '.orientation_column_' -%}
    {%- set normal_x = 'abs(' ~ r ~ 'y * ' ~ c ~ 'z - ' ~ r ~ 'z * ' ~ c ~ 'y)' -%}
    {%- set normal_y = 'abs(' ~ r ~ 'z * ' ~ c ~ 'x - ' ~ r ~ 'x * ' ~ c ~ 'z)' -%}
    {%- set normal_z = 'abs(' ~ r ~ 'x * ' ~ c ~ 'y - ' ~ r ~ 'y * ' ~ c ~ 'x)' -%}
    {%- set threshold = setting('oblique_threshold') -%}
    case
        when
            {{ r }}x is null or {{ r }}y is null or {{ r }}z is null
            or {{ c }}x is null or {{ c }}y is null or {{ c }}z is null
            then null
        when {{ normal_z }} >= {{ threshold }} and {{ normal_z }} >= {{ normal_x }} and {{ normal_z }} >= {{ normal_y }}
            then 'AXIAL'
        when {{ normal_y }} >= {{ threshold }} and {{ normal_y }} >= {{ normal_x }} then 'CORONAL'
        when {{ normal_x }} >= {{ threshold }} then 'SAGITTAL'
        else 'OBLIQUE'
    end
{%- endmacro %}
