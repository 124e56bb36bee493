{#- DTKS files list a family together, its KEPALA KELUARGA first: each head starts a block of
    rows (per file and sheet, in row order) that runs to the next head. The block's number, for
    a relation with source_path, sheet, row_number and hubungan_keluarga. -#}
{% macro dtks_family_block() -%}
    sum(case when hubungan_keluarga = 'KEPALA KELUARGA' then 1 else 0 end) over (
        partition by source_path, sheet
        order by row_number
        rows between unbounded preceding and current row
    )
{%- endmacro %}
