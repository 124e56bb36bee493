{{ config(meta={'dagster': {'ref': {'name': 'mart_kabupaten'}}}) }}
-- Totals reconcile: mart_kabupaten is one row whose measures equal the sums over all villages
-- (mart_desa, mart_koperasi_progress) and over all kecamatan (mart_kecamatan); the koperasi
-- funnel places every target desa in exactly one stage column or in koperasi_desa_without_stage.
-- Returns one row per measure that differs.
{%- set desa_measures = [
    'dtks_rows', 'dtks_rows_first_delivery', 'dtks_persons', 'dtks_families', 'pkh_rows',
    'pkh_families', 'pkh_nominal_rp', 'bps_penduduk_l', 'bps_penduduk_p', 'bps_penduduk',
    'bps_jumlah_kk', 'bps_luas_km2',
] %}
{%- set kecamatan_measures = desa_measures + [
    'villages', 'desa', 'kelurahan', 'dtks_persons_desil_1_2', 'dtks_persons_desil_1_4',
    'dtks_families_desil_1_2', 'dtks_families_desil_1_4', 'koperasi_desa_no_report',
    'koperasi_desa_stuck', 'koperasi_desa_anggota', 'koperasi_kelurahan_reporting',
] %}
{%- set stages = [
    'belum_mulai', 'sosialisasi', 'musdesus', 'pengurus_terbentuk', 'ad_art', 'akta_notaris',
    'badan_hukum', 'operasional',
] %}
with

from_villages as (
    select
        count(*) as villages,
        {%- for column in desa_measures %}
        coalesce(sum({{ column }}), 0) as {{ column }},
        {%- endfor %}
    from {{ ref('mart_desa') }}
),

target_desa as (
    select count(*) filter (where is_target_desa) as desa,
    from {{ ref('mart_koperasi_progress') }}
),

from_kecamatan as (
    select
        count(*) as kecamatan,
        {%- for column in kecamatan_measures %}
        coalesce(sum({{ column }}), 0) as {{ column }},
        {%- endfor %}
    from {{ ref('mart_kecamatan') }}
),

kabupaten as (
    select
        *,
        {%- for stage in stages %}
        koperasi_desa_{{ stage }} +
        {%- endfor %}
        koperasi_desa_without_stage as koperasi_desa_in_funnel,
    from {{ ref('mart_kabupaten') }}
),

compared as (
    select
        unnest([
            struct_pack(measure := 'rows', expected := 1::double,
                actual := (select count(*) from kabupaten)::double),
            struct_pack(measure := 'kecamatan', expected := 31::double,
                actual := kabupaten.kecamatan::double),
            struct_pack(measure := 'villages', expected := from_villages.villages::double,
                actual := kabupaten.villages::double),
            struct_pack(measure := 'koperasi_desa_in_funnel', expected := target_desa.desa::double,
                actual := kabupaten.koperasi_desa_in_funnel::double),
            {%- for column in desa_measures %}
            struct_pack(measure := '{{ column }} (villages)',
                expected := from_villages.{{ column }}::double, actual := kabupaten.{{ column }}::double),
            {%- endfor %}
            {%- for column in kecamatan_measures %}
            struct_pack(measure := '{{ column }} (kecamatan)',
                expected := from_kecamatan.{{ column }}::double, actual := kabupaten.{{ column }}::double),
            {%- endfor %}
        ]) as compared_measure,
    from from_villages
    cross join target_desa
    cross join from_kecamatan
    left join kabupaten on true
)

select compared_measure.measure, compared_measure.expected, compared_measure.actual
from compared
where compared_measure.expected is null
    or compared_measure.actual is null
    or abs(compared_measure.expected - compared_measure.actual) > 0.005
