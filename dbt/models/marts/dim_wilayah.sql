with

villages as (
    select * from {{ ref('wilayah_jember') }}
)

select
    kode_desa,
    replace(kode_desa, '.', '') as kode_desa_digits,
    kode_kecamatan,
    nama_kecamatan,
    nama_desa,
    jenis,
    jenis = 'KELURAHAN' as is_kelurahan,
from villages
