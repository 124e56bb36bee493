{#- The village a BPS or koperasi row names, as written, and the one rule that rejects such a
    row: a village row needs a DESA or a KODE_DESA to mean anything (KECAMATAN alone names no
    village). Use inside a select over a raw table aliased `raw_rows`, after
    `delivery_columns()`. -#}

{% macro village_columns() -%}
    raw_rows.kecamatan as kecamatan_raw,
    raw_rows.desa as desa_raw,
    raw_rows.kode_desa as kode_desa_raw,
    case
        when nullif(trim(raw_rows.desa), '') is null
            and nullif(trim(raw_rows.kode_desa), '') is null
            then 'no_village'
    end as rejection_reason,
{%- endmacro %}
