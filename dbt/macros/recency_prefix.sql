{#- mart_person's recency order before the row number: a DTKS row's TANGGAL_UPDATE (unknown
    sorts first) or a PKH row's stage (tahun * 10 + tahap, five digits), then the delivery path
    and sheet. Never null, so every record finds its rank. Written once because the distinct
    prefixes are ranked and then joined back. -#}
{% macro recency_prefix(relation=none) -%}
    {%- set r = relation ~ '.' if relation else '' -%}
    coalesce(case {{ r }}source
        when 'dtks' then coalesce({{ r }}tanggal_update, date '1900-01-01')::varchar
        else ({{ r }}tahun * 10 + {{ r }}tahap)::varchar
    end, '') || '|' || coalesce({{ r }}source_path, '') || '|' || coalesce({{ r }}sheet, '') || '|'
{%- endmacro %}
