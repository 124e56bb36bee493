{#- One row for Kabupaten Jember: mart_kecamatan summed over its 31 kecamatan, set beside
    the BPS poverty series (the latest year that has each figure; a delivered BPS file wins
    over the reference seed for the same year, the seed fills what no delivery has). -#}
with

kecamatan as (
    select * from {{ ref('mart_kecamatan') }}
),

kecamatan_sums as (
    select
        count(*) as kecamatan,
        sum(villages)::bigint as villages,
        sum(desa)::bigint as desa,
        sum(kelurahan)::bigint as kelurahan,
        {%- for column in mart_desa_additive_measures() %}
        sum({{ column }}){% if column not in ['pkh_nominal_rp', 'pkh_nominal_rp_tahun_ini', 'bps_luas_km2'] %}::bigint{% endif %} as {{ column }},
        {%- endfor %}
        sum(villages_without_bps)::bigint as villages_without_bps,
        {%- for stage in koperasi_stages() | map(attribute='column') | list + [
            'without_stage', 'badan_hukum_or_later', 'with_stage_regression', 'legal_docs_missing',
            'no_report', 'stuck', 'anggota',
        ] %}
        sum(koperasi_desa_{{ stage }})::bigint as koperasi_desa_{{ stage }},
        {%- endfor %}
        sum(koperasi_kelurahan_reporting)::bigint as koperasi_kelurahan_reporting,
        sum(koperasi_kelurahan_badan_hukum_or_later)::bigint as koperasi_kelurahan_badan_hukum_or_later,
        sum(koperasi_kelurahan_operasional)::bigint as koperasi_kelurahan_operasional,
    from kecamatan
),

-- the BPS poverty series, a delivered file winning over the reference seed per year
series as (
    select * from {{ ref('int_bps__poverty_series') }}
),

poverty as (
    select
        max(tahun) filter (where persen_miskin is not null) as bps_persen_miskin_tahun,
        arg_max(persen_miskin, tahun) filter (where persen_miskin is not null)
            as bps_persen_miskin,
        arg_max(persen_miskin_source, tahun) filter (where persen_miskin is not null)
            as bps_persen_miskin_source,
        max(tahun) filter (where jumlah_miskin_ribu is not null) as bps_jumlah_miskin_tahun,
        round(1000 * arg_max(jumlah_miskin_ribu, tahun) filter (where jumlah_miskin_ribu is not null))::bigint
            as bps_jumlah_miskin,
        arg_max(jumlah_miskin_source, tahun) filter (where jumlah_miskin_ribu is not null)
            as bps_jumlah_miskin_source,
        max(tahun) filter (where garis_kemiskinan_rp is not null)
            as bps_garis_kemiskinan_tahun,
        arg_max(garis_kemiskinan_rp, tahun) filter (where garis_kemiskinan_rp is not null)
            as bps_garis_kemiskinan_rp,
        arg_max(garis_kemiskinan_source, tahun) filter (where garis_kemiskinan_rp is not null)
            as bps_garis_kemiskinan_source,
    from series
)

select
    '35.09' as kode_kabupaten,
    'Jember' as nama_kabupaten,
    kecamatan_sums.*,
    {{ mart_desa_shares('kecamatan_sums') }}
    poverty.*,
    -- DTKS beside BPS: persons in the poorest desil against BPS's count of poor
    round(kecamatan_sums.dtks_persons_desil_1_2 / nullif(poverty.bps_jumlah_miskin, 0), 3)
        as dtks_desil_1_2_per_bps_miskin,
    round(kecamatan_sums.dtks_persons_desil_1_4 / nullif(poverty.bps_jumlah_miskin, 0), 3)
        as dtks_desil_1_4_per_bps_miskin,
    round(100.0 * kecamatan_sums.dtks_persons_desil_1_2 / nullif(kecamatan_sums.bps_penduduk, 0), 2)
        as dtks_desil_1_2_persen_penduduk,
    round(100.0 * kecamatan_sums.dtks_persons_desil_1_4 / nullif(kecamatan_sums.bps_penduduk, 0), 2)
        as dtks_desil_1_4_persen_penduduk,
from kecamatan_sums
cross join poverty
