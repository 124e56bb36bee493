{#- A published id for one koperasi report row: the village code and the row's place among the
    village's rows (by report date, then delivery path and row), so it is stable for the same
    delivery yet says nothing about file names (which may carry a NIK). Used by
    mart_koperasi_reports and restricted.koperasi_report_rows, which must agree. -#}
{% macro koperasi_report_id(relation) -%}
    {{ relation }}.kode_desa || '-' || lpad(row_number() over (
        partition by {{ relation }}.kode_desa
        order by {{ relation }}.tanggal_laporan nulls last, {{ relation }}.source_path, {{ relation }}.sheet, {{ relation }}.row_number
    )::varchar, 3, '0')
{%- endmacro %}
