{#- The kecamatan of a dotted Kemendagri village code: its first three parts
    ('35.09.01.2001' -> '35.09.01'), the same code dim_wilayah gives the kecamatan. -#}
{% macro kode_kecamatan_of(kode_desa) -%}
    left({{ kode_desa }}, 8)
{%- endmacro %}
