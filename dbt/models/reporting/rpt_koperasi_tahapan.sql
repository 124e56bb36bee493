{#- How many desa (not kelurahan: Koperasi Desa Merah Putih is a village programme) stand at
    each stage, in the stage order of the koperasi_tahapan seed; desa without any report last. -#}
with

stages as (
    select
        tahapan,
        urutan
    from {{ ref('koperasi_tahapan') }}
    union all
    select
        'TIDAK ADA LAPORAN',
        99
),

desa as (
    select coalesce(koperasi_tahapan, 'TIDAK ADA LAPORAN') as tahapan
    from {{ ref('mart_desa') }}
    where jenis = 'DESA'
)

select
    stages.urutan,
    stages.tahapan,
    count(desa.tahapan) as desa
from stages
left join desa using (tahapan)
group by stages.urutan, stages.tahapan
order by stages.urutan
