{#- The measures of mart_desa that add up over villages: mart_kecamatan sums them over its
    villages and mart_kabupaten over its kecamatan, so every total reconciles by construction.
    Shares are never summed: mart_desa_shares() recomputes them from the summed counts. -#}
{% macro mart_desa_additive_measures() -%}
{{ return([
    'dtks_rows', 'dtks_rows_first_delivery', 'dtks_persons', 'dtks_families',
    'dtks_families_desil_1', 'dtks_families_desil_2', 'dtks_families_desil_3',
    'dtks_families_desil_4', 'dtks_families_desil_5', 'dtks_families_desil_6',
    'dtks_families_desil_7', 'dtks_families_desil_8', 'dtks_families_desil_9',
    'dtks_families_desil_10', 'dtks_families_desil_unknown',
    'dtks_families_desil_1_2', 'dtks_families_desil_1_4',
    'dtks_persons_desil_1_2', 'dtks_persons_desil_1_4',
    'pkh_rows', 'pkh_families', 'pkh_nominal_rp',
    'pkh_families_tahun_ini', 'pkh_families_paid_tahun_ini', 'pkh_nominal_rp_tahun_ini',
    'pkh_komponen_bumil', 'pkh_komponen_aud', 'pkh_komponen_sd', 'pkh_komponen_smp',
    'pkh_komponen_sma', 'pkh_komponen_disabilitas', 'pkh_komponen_lansia',
    'pkh_families_desil_1_2', 'pkh_families_desil_1_4',
    'inclusion_candidates', 'exclusion_candidates', 'duplicate_aid_cases',
    'deceased_recipients', 'component_mismatches',
    'bps_penduduk_l', 'bps_penduduk_p', 'bps_penduduk', 'bps_jumlah_kk', 'bps_luas_km2',
    'dtks_rows_nik_valid', 'dtks_rows_padan', 'dtks_duplicates_merged',
    'rows_rejected', 'rows_village_fuzzy_match', 'rows_placed',
]) }}
{%- endmacro %}

{#- Shares from counts (of one village, or summed over villages): `relation` holds the counts. -#}
{% macro mart_desa_shares(relation) -%}
    round({{ relation }}.pkh_families_desil_1_2 / nullif({{ relation }}.dtks_families_desil_1_2, 0), 4)
        as pkh_coverage_desil_1_2,
    round({{ relation }}.pkh_families_desil_1_4 / nullif({{ relation }}.dtks_families_desil_1_4, 0), 4)
        as pkh_coverage_desil_1_4,
    round({{ relation }}.dtks_rows_nik_valid / nullif({{ relation }}.dtks_rows_first_delivery, 0), 4)
        as dtks_nik_valid_share,
    round({{ relation }}.dtks_rows_padan / nullif({{ relation }}.dtks_rows_first_delivery, 0), 4)
        as dtks_padan_share,
    round({{ relation }}.rows_village_fuzzy_match / nullif({{ relation }}.rows_placed, 0), 4)
        as village_fuzzy_match_share,
{%- endmacro %}
