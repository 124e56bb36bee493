{{ config(meta={'dagster': {'ref': {'name': 'mart_kecamatan'}}}) }}
-- mart_kecamatan has the 31 kecamatan and its totals equal the sum of mart_desa.
with

desa_totals as (
    select
        count(distinct kode_kecamatan) as kecamatan,
        sum(dtks_persons) as dtks_persons,
        sum(pkh_families) as pkh_families,
    from {{ ref('mart_desa') }}
),

kecamatan_totals as (
    select
        count(*) as kecamatan,
        sum(dtks_persons) as dtks_persons,
        sum(pkh_families) as pkh_families,
    from {{ ref('mart_kecamatan') }}
)

select
    desa_totals.kecamatan as kecamatan_in_mart_desa,
    k.kecamatan as kecamatan_in_mart_kecamatan,
    desa_totals.dtks_persons as dtks_persons_in_mart_desa,
    k.dtks_persons as dtks_persons_in_mart_kecamatan,
from desa_totals
cross join kecamatan_totals as k
where k.kecamatan != 31
    or desa_totals.kecamatan != 31
    or k.dtks_persons != desa_totals.dtks_persons
    or k.pkh_families != desa_totals.pkh_families
