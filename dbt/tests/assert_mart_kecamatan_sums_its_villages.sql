{{ config(meta={'dagster': {'ref': {'name': 'mart_kecamatan'}}}) }}
-- Totals reconcile: every measure of every mart_kecamatan row equals the sum over its villages
-- (mart_desa, mart_koperasi_progress); and there are exactly the 31 kecamatan of the reference
-- list. Returns one row per kecamatan and measure that differ.
{%- set desa_measures = [
    'dtks_rows', 'dtks_rows_first_delivery', 'dtks_persons', 'dtks_families', 'pkh_rows',
    'pkh_families', 'pkh_nominal_rp', 'bps_penduduk_l', 'bps_penduduk_p', 'bps_penduduk',
    'bps_jumlah_kk', 'bps_luas_km2',
] %}
{%- set stages = [
    'belum_mulai', 'sosialisasi', 'musdesus', 'pengurus_terbentuk', 'ad_art', 'akta_notaris',
    'badan_hukum', 'operasional',
] %}
with

from_villages as (
    select
        kode_kecamatan,
        count(*) as villages,
        {%- for column in desa_measures %}
        coalesce(sum({{ column }}), 0) as {{ column }},
        {%- endfor %}
    from {{ ref('mart_desa') }}
    group by kode_kecamatan
),

funnel_from_villages as (
    select
        kode_kecamatan,
        {%- for stage in stages %}
        count(*) filter (where is_target_desa and tahapan_urutan = {{ loop.index }})
            as koperasi_desa_{{ stage }},
        {%- endfor %}
        count(*) filter (where is_target_desa and has_no_report) as koperasi_desa_no_report,
        count(*) filter (where is_target_desa and is_stuck) as koperasi_desa_stuck,
        count(*) filter (where is_target_desa and has_stage_regression)
            as koperasi_desa_with_stage_regression,
        count(*) filter (where is_target_desa and is_legal_docs_missing)
            as koperasi_desa_legal_docs_missing,
    from {{ ref('mart_koperasi_progress') }}
    group by kode_kecamatan
),

reference as (
    select distinct kode_kecamatan from {{ ref('wilayah_jember') }}
),

kecamatan as (
    select * from {{ ref('mart_kecamatan') }}
),

compared as (
    select
        coalesce(reference.kode_kecamatan, kecamatan.kode_kecamatan) as kode_kecamatan,
        unnest([
            struct_pack(measure := 'in_reference_and_mart', expected := 1::double,
                actual := (reference.kode_kecamatan is not null and kecamatan.kode_kecamatan is not null)::int::double),
            struct_pack(measure := 'villages', expected := from_villages.villages::double,
                actual := kecamatan.villages::double),
            {%- for column in desa_measures %}
            struct_pack(measure := '{{ column }}', expected := from_villages.{{ column }}::double,
                actual := kecamatan.{{ column }}::double),
            {%- endfor %}
            {%- for column in ['no_report', 'stuck', 'with_stage_regression', 'legal_docs_missing'] + stages %}
            struct_pack(measure := 'koperasi_desa_{{ column }}',
                expected := funnel_from_villages.koperasi_desa_{{ column }}::double,
                actual := kecamatan.koperasi_desa_{{ column }}::double),
            {%- endfor %}
        ]) as compared_measure,
    from reference
    full outer join kecamatan on kecamatan.kode_kecamatan = reference.kode_kecamatan
    left join from_villages
        on from_villages.kode_kecamatan = coalesce(reference.kode_kecamatan, kecamatan.kode_kecamatan)
    left join funnel_from_villages
        on funnel_from_villages.kode_kecamatan = coalesce(reference.kode_kecamatan, kecamatan.kode_kecamatan)
)

select kode_kecamatan, compared_measure.measure, compared_measure.expected, compared_measure.actual
from compared
-- rupiah and km2 may carry fractions: compare to a cent
where compared_measure.expected is null
    or compared_measure.actual is null
    or abs(compared_measure.expected - compared_measure.actual) > 0.005
