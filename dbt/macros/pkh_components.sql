{#- The PKH components as column names, in the order of the raw contract's columns. Amounts,
    eligibility and priority are in the pkh_komponen seed; only the names are needed at compile
    time, to name columns (jumlah_bumil ... jumlah_lansia). -#}
{% macro pkh_components() -%}
{{ return(['bumil', 'aud', 'sd', 'smp', 'sma', 'disabilitas', 'lansia']) }}
{%- endmacro %}

{#- `jumlah_bumil, jumlah_aud, ...`: the component count columns, for select lists and UNPIVOT.
    With a prefix (`paid_`): `paid_jumlah_bumil as jumlah_bumil, ...`, the same names. -#}
{% macro pkh_component_count_columns(prefix='') -%}
{%- for k in pkh_components() %}{{ prefix ~ 'jumlah_' ~ k ~ ' as ' if prefix }}jumlah_{{ k }}{{ ", " if not loop.last }}{% endfor -%}
{%- endmacro %}

{#- The kinds of targeting problem of int_targeting_cases, in reporting order, from the
    targeting_kinds seed (macro seed_rows). -#}
{% macro targeting_kinds() -%}
    {%- set kinds = [] -%}
    {%- for row in seed_rows('targeting_kinds', 'kind', 'urutan') -%}
        {%- do kinds.append(row[0]) -%}
    {%- endfor -%}
    {{ return(kinds) }}
{%- endmacro %}
