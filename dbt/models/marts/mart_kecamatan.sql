{#- One row per kecamatan (31): mart_desa's additive measures (macro mart_desa_additive_measures)
    summed over its villages, shares recomputed from the sums, DTKS persons by desil beside BPS
    population, and the koperasi funnel of its desa (kelurahan apart). Every count is a sum over
    villages, so totals reconcile with mart_desa. -#}

{%- set desa_sums = mart_desa_additive_measures() -%}

with

kecamatan as (
    select distinct
        kode_kecamatan,
        nama_kecamatan
    from {{ ref('dim_wilayah') }}
),

villages as (
    select * from {{ ref('mart_desa') }}
),

village_sums as (
    select
        villages.kode_kecamatan,
        count(*) as villages,
        count(*) filter (where villages.jenis = 'DESA') as desa,
        count(*) filter (where villages.jenis = 'KELURAHAN') as kelurahan,
        {%- for column in desa_sums %}
        coalesce(sum(villages.{{ column }}), 0)
        {%- if column not in ['pkh_nominal_rp', 'pkh_nominal_rp_tahun_ini', 'bps_luas_km2'] %}::bigint{% endif %} as {{ column }},
        {%- endfor %}
        count(*) filter (where villages.bps_tahun is null) as villages_without_bps,
    from villages
    group by villages.kode_kecamatan
),

-- the stages the funnel names apart, looked up in the seed: BADAN HUKUM (the legal entity)
-- and the final stage (OPERASIONAL)
stage_order as (
    select
        min(urutan) filter (where tahapan = 'BADAN HUKUM') as badan_hukum,
        max(urutan) as final_stage,
    from {{ ref('koperasi_tahapan') }}
),

-- the koperasi funnel: target desa per current stage (one column per stage of the seed);
-- kelurahan counted apart
koperasi_funnel as (
    select
        kode_kecamatan,
        {%- for stage in koperasi_stages() %}
        count(*) filter (where is_target_desa and tahapan_urutan = {{ stage.urutan }})
            as koperasi_desa_{{ stage.column }},
        {%- endfor %}
        count(*) filter (where is_target_desa and tahapan_urutan is null)
            as koperasi_desa_without_stage,
        count(*) filter (where is_target_desa and tahapan_urutan >= stage_order.badan_hukum)
            as koperasi_desa_badan_hukum_or_later,
        count(*) filter (where is_target_desa and has_stage_regression)
            as koperasi_desa_with_stage_regression,
        count(*) filter (where is_target_desa and is_legal_docs_missing)
            as koperasi_desa_legal_docs_missing,
        count(*) filter (where is_target_desa and has_no_report) as koperasi_desa_no_report,
        count(*) filter (where is_target_desa and is_stuck) as koperasi_desa_stuck,
        coalesce(sum(jumlah_anggota) filter (where is_target_desa), 0)::bigint
            as koperasi_desa_anggota,
        count(*) filter (where not is_target_desa and not has_no_report)
            as koperasi_kelurahan_reporting,
        count(*) filter (where not is_target_desa and tahapan_urutan >= stage_order.badan_hukum)
            as koperasi_kelurahan_badan_hukum_or_later,
        count(*) filter (where not is_target_desa and tahapan_urutan = stage_order.final_stage)
            as koperasi_kelurahan_operasional,
    from {{ ref('mart_koperasi_progress') }}
    cross join stage_order
    group by kode_kecamatan
)

select
    kecamatan.kode_kecamatan,
    kecamatan.nama_kecamatan,
    village_sums.* exclude (kode_kecamatan),
    {{ mart_desa_shares('village_sums') }}
    -- DTKS beside BPS: the share of BPS population listed in DTKS desil 1-2 and 1-4
    round(100.0 * village_sums.dtks_persons_desil_1_2 / nullif(village_sums.bps_penduduk, 0), 2)
        as dtks_desil_1_2_persen_penduduk,
    round(100.0 * village_sums.dtks_persons_desil_1_4 / nullif(village_sums.bps_penduduk, 0), 2)
        as dtks_desil_1_4_persen_penduduk,
    koperasi_funnel.* exclude (kode_kecamatan),
from kecamatan
inner join village_sums on village_sums.kode_kecamatan = kecamatan.kode_kecamatan
inner join koperasi_funnel on koperasi_funnel.kode_kecamatan = kecamatan.kode_kecamatan
