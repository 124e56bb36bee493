{{ config(meta={'dagster': {'ref': {'name': 'mart_koperasi_progress'}}}) }}
-- mart_koperasi_progress has one row per village of the reference list: never fewer, never
-- more; and is_target_desa is true exactly for the desa.
with

reference_villages as (
    select
        kode_desa,
        jenis
    from {{ ref('wilayah_jember') }}
),

mart_villages as (
    select
        kode_desa,
        is_target_desa
    from {{ ref('mart_koperasi_progress') }}
)

select
    coalesce(reference_villages.kode_desa, mart_villages.kode_desa) as kode_desa,
    reference_villages.kode_desa is null as is_extra_in_mart,
    mart_villages.kode_desa is null as is_missing_from_mart,
from reference_villages
full outer join mart_villages
    on mart_villages.kode_desa = reference_villages.kode_desa
where reference_villages.kode_desa is null
    or mart_villages.kode_desa is null
    or mart_villages.is_target_desa is distinct from (reference_villages.jenis = 'DESA')
