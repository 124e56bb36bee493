{#- Open data problems by the agency responsible, kabupaten totals: one row per problem. -#}
with

dtks as (
    select * from {{ ref('int_dtks__persons_cleaned') }}
    where not is_repeat_delivery
),

pkh as (
    select * from {{ ref('int_pkh__disbursements_cleaned') }}
    where not is_repeat_delivery
),

desa as (
    select * from {{ ref('mart_desa') }}
),

-- A file delivered again byte for byte repeats rows already counted from its first delivery:
-- its rows are kept and accounted for (rejected_rows lists them too), but not counted twice
-- as problems.
first_deliveries as (
    select * from {{ ref('stg_ingest__files') }}
    where not is_repeat_delivery
),

rejected as (
    select * from {{ ref('rejected_rows') }}
    where source_path in (select source_path from first_deliveries)
),

-- rows with a blank required value or a value that does not read, per source: the sum of
-- rpt_file_bermasalah's files (first deliveries only)
value_problems as (
    select
        source,
        sum(baris_nilai_tidak_sah)::bigint as jumlah
    from {{ ref('rpt_file_bermasalah') }}
    where masalah = 'nilai_tidak_sah'
    group by source
),

targeting as (
    select
        kinds.instansi,
        kinds.masalah,
        count(*) as jumlah
    from {{ ref('int_targeting_cases') }} as cases
    inner join {{ ref('targeting_kinds') }} as kinds using (kind)
    group by all
),

problems as (
    select
        'Dinas Sosial' as instansi,
        'baris DTKS tanpa identitas (ditolak)' as masalah,
        (
            select count(*) from rejected
            where source = 'dtks'
        ) as jumlah
    union all
    select
        'Dinas Sosial',
        'baris DTKS dengan desa tidak dikenali',
        (
            select count(*) from dtks
            where kode_desa is null
        )
    union all
    select
        'Dinas Sosial',
        'baris DTKS dengan kolom wajib kosong atau nilai tidak sah',
        coalesce((
            select sum(jumlah)::bigint from value_problems
            where source = 'dtks'
        ), 0)
    union all
    select
        'Dinas Sosial',
        'pasangan catatan dugaan orang yang sama (perlu dicek)',
        (select count(*) from {{ ref('person_review_list') }})
    union all
    select
        'Dukcapil',
        'NIK rusak atau strukturnya tidak valid',
        (
            select count(*) from dtks
            where not coalesce(is_nik_valid, false)
        )
    union all
    select
        'Dukcapil',
        'NIK tidak cocok dengan tanggal lahir atau jenis kelamin',
        (
            select count(*) from dtks
            where nik_birth_date_mismatch or nik_sex_mismatch
        )
    union all
    select
        'PKH',
        'baris PKH tanpa identitas (ditolak)',
        (
            select count(*) from rejected
            where source = 'pkh'
        )
    union all
    select
        'PKH',
        'baris PKH dengan kolom wajib kosong atau nilai tidak sah',
        coalesce((
            select sum(jumlah)::bigint from value_problems
            where source = 'pkh'
        ), 0)
    union all
    select
        'PKH',
        'baris PKH dengan desa tidak dikenali',
        (
            select count(*) from pkh
            where kode_desa is null
        )
    union all
    select
        'DPMD/Diskop UKM',
        'desa/kelurahan dengan laporan koperasi tahap mundur',
        (
            select count(*) from desa
            where koperasi_has_stage_regression
        )
    union all
    select
        'DPMD/Diskop UKM',
        'desa/kelurahan berbadan hukum tanpa akta atau SK',
        (
            select count(*) from desa
            where koperasi_lacks_legal_documents
        )
    union all
    select
        'DPMD/Diskop UKM',
        'desa/kelurahan dengan koperasi terlalu lama di satu tahap',
        (
            select count(*) from desa
            where koperasi_is_stuck
        )
    union all
    select
        'DPMD/Diskop UKM',
        'desa tanpa laporan koperasi',
        (
            select count(*) from desa
            where jenis = 'DESA' and coalesce(koperasi_reports, 0) = 0
        )
    union all
    select
        'DPMD/Diskop UKM',
        'laporan koperasi dengan kolom wajib kosong atau nilai tidak sah',
        coalesce((
            select sum(jumlah)::bigint from value_problems
            where source = 'koperasi'
        ), 0)
    union all
    select
        'BPS',
        'baris BPS dengan kolom wajib kosong atau nilai tidak sah',
        coalesce((
            select sum(jumlah)::bigint from value_problems
            where source = 'bps'
        ), 0)
    union all
    select
        'BPS',
        'desa/kelurahan tanpa data penduduk BPS',
        (
            select count(*) from desa
            where coalesce(bps_penduduk, 0) = 0
        )
    union all
    select
        'Semua pengirim',
        'file yang tidak dapat dibaca',
        (
            select count(*) from first_deliveries
            where status = 'failed'
        )
    union all
    select
        instansi,
        masalah,
        jumlah
    from targeting
)

select
    case instansi
        when 'Dinas Sosial' then 1 when 'Dukcapil' then 2 when 'PKH' then 3
        when 'DPMD/Diskop UKM' then 4 when 'BPS' then 5 else 9
    end as urutan_instansi,
    case instansi when 'PKH' then 'Koordinator PKH' else instansi end as instansi,
    masalah,
    jumlah
from problems
