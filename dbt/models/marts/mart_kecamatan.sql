{#- mart_desa rolled up. Sums of per-village distinct counts: a person listed in two
    villages of one kecamatan counts twice (first cut, as in mart_desa). -#}
with

villages as (
    select * from {{ ref('mart_desa') }}
)

select
    kode_kecamatan,
    nama_kecamatan,
    count(*) as villages,
    count(*) filter (where jenis = 'DESA') as desa,
    count(*) filter (where jenis = 'KELURAHAN') as kelurahan,
    sum(dtks_rows) as dtks_rows,
    sum(dtks_persons) as dtks_persons,
    sum(dtks_families) as dtks_families,
    sum(pkh_families) as pkh_families,
    sum(pkh_nominal_rp) as pkh_nominal_rp,
    sum(bps_penduduk_l) as bps_penduduk_l,
    sum(bps_penduduk_p) as bps_penduduk_p,
    sum(bps_penduduk) as bps_penduduk,
    sum(bps_jumlah_kk) as bps_jumlah_kk,
    sum(bps_luas_km2) as bps_luas_km2,
    count(*) filter (where koperasi_tahapan_urutan >= 7) as koperasi_badan_hukum_or_later,
from villages
group by kode_kecamatan, nama_kecamatan
