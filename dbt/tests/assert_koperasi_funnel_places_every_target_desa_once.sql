{{ config(meta={'dagster': {'ref': {'name': 'mart_kecamatan'}}}) }}
-- The koperasi funnel of mart_kecamatan places every target desa of the kecamatan in exactly
-- one stage column (one per stage of the koperasi_tahapan seed, read from the seed) or in
-- koperasi_desa_without_stage. Returns the kecamatan where the funnel does not add up.
with

stage_columns as (
    select 'koperasi_desa_' || lower(regexp_replace(tahapan, '[ /]+', '_', 'g')) as column_name
    from {{ ref('koperasi_tahapan') }}
    union all
    select 'koperasi_desa_without_stage'
),

funnel as (
    select
        kode_kecamatan,
        column_name,
        desa_count
    from (unpivot {{ ref('mart_kecamatan') }} on columns('^koperasi_desa_') into name column_name value desa_count)
),

in_funnel as (
    select
        funnel.kode_kecamatan,
        sum(funnel.desa_count) as desa_in_funnel,
        count(*) as stage_columns_found
    from funnel
    inner join stage_columns using (column_name)
    group by funnel.kode_kecamatan
),

target_desa as (
    select
        kode_kecamatan,
        count(*) filter (where is_target_desa) as target_desa
    from {{ ref('mart_koperasi_progress') }}
    group by kode_kecamatan
)

select
    target_desa.kode_kecamatan,
    target_desa.target_desa,
    in_funnel.desa_in_funnel,
    in_funnel.stage_columns_found,
from target_desa
left join in_funnel using (kode_kecamatan)
where in_funnel.desa_in_funnel is distinct from target_desa.target_desa
    or in_funnel.stage_columns_found is distinct from (select count(*) from stage_columns)
