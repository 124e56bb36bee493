{#- Attaches the village match (int_region_names_matched) to rows aliased `rows_in` by their
    (kecamatan, desa, kode_desa) text triple; NULL-safe because any of the three may be NULL. -#}
{% macro region_match_columns() -%}
    region_matches.kode_desa,
    region_matches.kode_kecamatan,
    region_matches.desa_match_method,
    region_matches.unmatched_reason,
    region_matches.is_code_name_conflict,
{%- endmacro %}

{% macro join_region_match() -%}
    left join {{ ref('int_region_names_matched') }} as region_matches
        on region_matches.kecamatan_raw is not distinct from rows_in.kecamatan_raw
        and region_matches.desa_raw is not distinct from rows_in.desa_raw
        and region_matches.kode_desa_raw is not distinct from rows_in.kode_desa_raw
{%- endmacro %}
