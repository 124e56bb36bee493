{#- One row per village of the reference list (always 248): the per-topic village models side
    by side, each of which holds its own counting rules and gives every village one row:
    - int_desa__dtks: DTKS rows, resolved persons (in the village of their latest row) and
      resolved households by desil, with the PKH coverage numerators;
    - int_desa__pkh: PKH families and rupiah, all years and the PKH year of
      int_reporting_period, members per PKH component;
    - int_desa__targeting_cases: families per targeting problem (int_targeting_cases);
    - int_desa__bps_population: the latest BPS population row (NULL when none);
    - mart_koperasi_progress: the koperasi stage (the current stage is the highest reached);
    - int_desa__row_placement: rejected rows and rows placed, fuzzy matches among them.
    Shares come from mart_desa_shares(), which mart_kecamatan and mart_kabupaten reuse on their
    sums. Rows whose village could not be matched are not here: see mart_region_match_summary. -#}
{%- set components = pkh_components() -%}
with

villages as (
    select * from {{ ref('dim_wilayah') }}
),

period as (
    select * from {{ ref('int_reporting_period') }}
),

dtks as (
    select * from {{ ref('int_desa__dtks') }}
),

pkh as (
    select * from {{ ref('int_desa__pkh') }}
),

cases as (
    select * from {{ ref('int_desa__targeting_cases') }}
),

bps as (
    select * from {{ ref('int_desa__bps_population') }}
),

koperasi as (
    select * from {{ ref('mart_koperasi_progress') }}
),

placement as (
    select * from {{ ref('int_desa__row_placement') }}
),

counts as (
    select
        villages.kode_desa,
        villages.kode_kecamatan,
        villages.nama_kecamatan,
        villages.nama_desa,
        villages.jenis,
        period.period,
        dtks.dtks_rows,
        dtks.dtks_rows_first_delivery,
        dtks.dtks_persons,
        dtks.dtks_families,
        {%- for d in range(1, 11) %}
        dtks.dtks_families_desil_{{ d }},
        {%- endfor %}
        dtks.dtks_families_desil_unknown,
        dtks.dtks_families_desil_1_2,
        dtks.dtks_families_desil_1_4,
        dtks.dtks_persons_desil_1_2,
        dtks.dtks_persons_desil_1_4,
        pkh.pkh_rows,
        pkh.pkh_families,
        pkh.pkh_nominal_rp,
        period.pkh_tahun,
        pkh.pkh_families_tahun_ini,
        pkh.pkh_families_paid_tahun_ini,
        pkh.pkh_nominal_rp_tahun_ini,
        {%- for k in components %}
        pkh.pkh_komponen_{{ k }},
        {%- endfor %}
        dtks.pkh_families_desil_1_2,
        dtks.pkh_families_desil_1_4,
        cases.inclusion_candidates,
        cases.exclusion_candidates,
        cases.duplicate_aid_cases,
        cases.deceased_recipients,
        cases.component_mismatches,
        bps.bps_tahun,
        bps.bps_penduduk_l,
        bps.bps_penduduk_p,
        bps.bps_penduduk,
        bps.bps_jumlah_kk,
        bps.bps_luas_km2,
        koperasi.tahapan as koperasi_tahapan,
        koperasi.tahapan_urutan as koperasi_tahapan_urutan,
        koperasi.tahapan_reached_date as koperasi_tahapan_tanggal,
        koperasi.days_in_tahapan as koperasi_hari_di_tahapan,
        koperasi.latest_report_date as koperasi_tanggal_laporan_terakhir,
        koperasi.reports as koperasi_reports,
        koperasi.jumlah_anggota as koperasi_anggota,
        koperasi.unit_usaha as koperasi_unit_usaha,
        koperasi.unit_usaha_count as koperasi_unit_usaha_count,
        koperasi.has_nomor_akta as koperasi_has_nomor_akta,
        koperasi.has_nomor_sk_ahu as koperasi_has_nomor_sk_ahu,
        koperasi.has_stage_regression as koperasi_has_stage_regression,
        koperasi.is_legal_docs_missing as koperasi_lacks_legal_documents,
        koperasi.is_stuck as koperasi_is_stuck,
        dtks.dtks_rows_nik_valid,
        dtks.dtks_rows_padan,
        dtks.dtks_duplicates_merged,
        placement.rows_rejected,
        placement.rows_village_fuzzy_match,
        placement.rows_placed,
    from villages
    cross join period
    inner join dtks on dtks.kode_desa = villages.kode_desa
    inner join pkh on pkh.kode_desa = villages.kode_desa
    inner join cases on cases.kode_desa = villages.kode_desa
    inner join placement on placement.kode_desa = villages.kode_desa
    left join bps on bps.kode_desa = villages.kode_desa
    left join koperasi on koperasi.kode_desa = villages.kode_desa
)

select
    counts.*,
    {{ mart_desa_shares('counts') }}
from counts
