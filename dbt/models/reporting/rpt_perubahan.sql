{#- Changes since the previous stored period, per kecamatan (the report sums the kabupaten).
    No rows when no earlier period is stored. -#}
select
    w.nama_kecamatan,
    max(c.previous_period) as previous_period,
    sum(c.households_added) as households_added,
    sum(c.households_removed) as households_removed,
    sum(c.households_desil_down) as households_desil_down,
    sum(c.households_desil_up) as households_desil_up,
    sum(c.households_pkh_graduated) as households_pkh_graduated,
    sum(c.households_pkh_joined) as households_pkh_joined,
    count(*) filter (where c.koperasi_stage_advanced) as desa_koperasi_naik_tahap
from {{ ref('mart_desa_changes') }} as c
inner join {{ ref('dim_wilayah') }} as w using (kode_desa)
where c.previous_period is not null
group by w.nama_kecamatan
