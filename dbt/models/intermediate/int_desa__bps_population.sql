{#- BPS population per village: the latest year delivered for the village; on a tie the file
    whose path sorts last, then the later row. Only villages BPS delivered a row for (a
    village without one keeps NULL population in mart_desa, never 0). -#}
with

bps_latest as (
    select *
    from {{ ref('int_bps__population_cleaned') }}
    where kode_desa is not null and not is_repeat_delivery
    qualify row_number() over (
            partition by kode_desa
            order by tahun desc nulls last, source_path desc, sheet desc, row_number desc
        ) = 1
)

select
    kode_desa,
    tahun as bps_tahun,
    penduduk_l as bps_penduduk_l,
    penduduk_p as bps_penduduk_p,
    penduduk_l + penduduk_p as bps_penduduk,
    jumlah_kk as bps_jumlah_kk,
    luas_km2 as bps_luas_km2,
from bps_latest
