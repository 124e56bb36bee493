{#- Report history: one row per village per report (repeat deliveries once), in report order,
    with the stage reported, the highest stage reached so far, and whether it went backwards.
    Analyst tier: no file path, sheet or row number (a file name may carry a NIK; the row's
    provenance is in restricted.koperasi_report_rows, joined on report_id). -#}
with

villages as (
    select * from {{ ref('dim_wilayah') }}
),

reports as (
    select * from {{ ref('int_koperasi__reports_sequenced') }}
)

select
    {{ koperasi_report_id('reports') }} as report_id,
    reports.kode_desa,
    villages.kode_kecamatan,
    villages.nama_kecamatan,
    villages.nama_desa,
    villages.jenis,
    not villages.is_kelurahan as is_target_desa,
    reports.tanggal_laporan as report_date,
    reports.report_sequence,
    reports.is_in_timeline,
    reports.is_latest_report,
    reports.tahapan_raw,
    reports.tahapan,
    reports.tahapan_urutan,
    reports.highest_tahapan_urutan_so_far,
    reports.is_stage_advance,
    reports.is_stage_regression,
    reports.is_legal_docs_missing,
    reports.nama_koperasi,
    reports.jumlah_anggota,
    reports.unit_usaha,
    reports.unit_usaha_count,
    reports.modal_awal,
    reports.tanggal_musdesus,
    reports.nomor_akta,
    reports.tanggal_akta,
    reports.nomor_sk_ahu,
    reports.tanggal_sk,
from reports
inner join villages on villages.kode_desa = reports.kode_desa
