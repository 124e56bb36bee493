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

-- per source, where rpt_mutu_sumber and rpt_file_bermasalah count them, once: rejected rows
-- and failed files of first deliveries (a file delivered again byte for byte repeats rows
-- already counted; its rows are kept and accounted for, not counted twice as problems), and
-- rows with a blank required value or a value that does not read
per_source as (
    select
        sources.source,
        sources.baris_ditolak,
        sources.file_gagal,
        coalesce(value_problems.baris, 0) as baris_nilai_tidak_sah
    from {{ ref('rpt_mutu_sumber') }} as sources
    left join (
        select
            source,
            sum(baris_nilai_tidak_sah)::bigint as baris
        from {{ ref('rpt_file_bermasalah') }}
        where masalah = 'nilai_tidak_sah'
        group by source
    ) as value_problems using (source)
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
        'baris DTKS dengan desa tidak dikenali' as masalah,
        (
            select count(*) from dtks
            where kode_desa is null
        ) as jumlah
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
        (select coalesce(sum(file_gagal), 0)::bigint from per_source)
    union all
    -- per source, under the agency that sent the rows
    select
        labels.instansi,
        labels.masalah,
        coalesce(
            case labels.measure
                when 'ditolak' then per_source.baris_ditolak
                when 'nilai_tidak_sah' then per_source.baris_nilai_tidak_sah
            end,
            0
        )
    from (
        values
        ('Dinas Sosial', 'dtks', 'ditolak', 'baris DTKS tanpa identitas (ditolak)'),
        ('Dinas Sosial', 'dtks', 'nilai_tidak_sah', 'baris DTKS dengan kolom wajib kosong atau nilai tidak sah'),
        ('PKH', 'pkh', 'ditolak', 'baris PKH tanpa identitas (ditolak)'),
        ('PKH', 'pkh', 'nilai_tidak_sah', 'baris PKH dengan kolom wajib kosong atau nilai tidak sah'),
        ('DPMD/Diskop UKM', 'koperasi', 'nilai_tidak_sah', 'laporan koperasi dengan kolom wajib kosong atau nilai tidak sah'),
        ('BPS', 'bps', 'nilai_tidak_sah', 'baris BPS dengan kolom wajib kosong atau nilai tidak sah')
    ) as labels (instansi, source, measure, masalah)
    left join per_source using (source)
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
