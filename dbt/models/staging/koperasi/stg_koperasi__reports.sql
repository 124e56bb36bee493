with

source as (
    select * from {{ source('koperasi', 'koperasi') }}
),

stages as (
    select * from {{ ref('koperasi_tahapan') }}
),

parsed as (
    select
        {{ delivery_columns() }}
        {{ village_columns() }}
        nullif(trim(raw_rows.nama_koperasi), '') as nama_koperasi,
        raw_rows.tahapan as tahapan_raw,
        stages.tahapan,
        stages.urutan as tahapan_urutan,
        {{ parse_date_id('raw_rows.tanggal_musdesus') }} as tanggal_musdesus,
        {{ parse_integer_id('raw_rows.jumlah_anggota') }} as jumlah_anggota,
        nullif(trim(raw_rows.nomor_akta), '') as nomor_akta,
        {{ parse_date_id('raw_rows.tanggal_akta') }} as tanggal_akta,
        nullif(trim(raw_rows.nomor_sk_ahu), '') as nomor_sk_ahu,
        {{ parse_date_id('raw_rows.tanggal_sk') }} as tanggal_sk,
        nullif(trim(raw_rows.unit_usaha), '') as unit_usaha,
        {{ parse_number_id('raw_rows.modal_awal') }} as modal_awal,
        raw_rows.tanggal_laporan as tanggal_laporan_raw,
        {{ parse_date_id('raw_rows.tanggal_laporan') }} as tanggal_laporan,
        -- (a small table: the checked values are read again here, not kept as raw text)
        {{ value_problems([
            ('kecamatan', 'raw_rows.kecamatan', none, true),
            ('desa', 'raw_rows.desa', none, true),
            ('tahapan', 'raw_rows.tahapan', 'stages.tahapan', true),
            ('tanggal_laporan', 'raw_rows.tanggal_laporan', parse_date_id('raw_rows.tanggal_laporan'), true),
            ('tanggal_musdesus', 'raw_rows.tanggal_musdesus', parse_date_id('raw_rows.tanggal_musdesus'), false),
            ('jumlah_anggota', 'raw_rows.jumlah_anggota', parse_integer_id('raw_rows.jumlah_anggota'), false),
            ('tanggal_akta', 'raw_rows.tanggal_akta', parse_date_id('raw_rows.tanggal_akta'), false),
            ('tanggal_sk', 'raw_rows.tanggal_sk', parse_date_id('raw_rows.tanggal_sk'), false),
            ('modal_awal', 'raw_rows.modal_awal', parse_number_id('raw_rows.modal_awal'), false),
        ]) }} as value_problems,
    from source as raw_rows
    {{ join_deliveries() }}
    left join stages
        on {{ enum_key('stages.tahapan') }} = {{ enum_key('raw_rows.tahapan') }}
)

select * from parsed
