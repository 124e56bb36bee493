{#- DTKS data quality per kecamatan (rows of the first delivery of each file). -#}
select
    coalesce(w.nama_kecamatan, '(desa tidak dikenali)') as nama_kecamatan,
    count(*) as baris,
    count(*) filter (where p.is_nik_valid) as baris_nik_valid,
    count(*) filter (where p.is_padan) as baris_padan,
    count(*) filter (where p.desa_match_method = 'fuzzy') as baris_desa_kira_kira,
    count(*) filter (where p.kode_desa is null) as baris_desa_tak_dikenali
from {{ ref('int_dtks__persons_cleaned') }} as p
left join {{ ref('dim_wilayah') }} as w on w.kode_desa = p.kode_desa
where not p.is_repeat_delivery
group by 1
