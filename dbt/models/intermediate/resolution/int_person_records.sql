{#- One row per kept DTKS row and per kept PKH row (the PKH recipient), in one shape for
    person resolution. Rows of a repeated delivery are here too, each pointing through
    `canonical_record_key` to the same row of the first delivery: only canonical rows are
    resolved, repeats take their result. -#}
with

dtks as (
    select
        source,
        source_path,
        sheet,
        row_number,
        row_key as record_key,
        source || '|' || canonical_source_path || '|' || sheet || '|' || row_number
            as canonical_record_key,
        is_repeat_delivery,
        -- any 16-digit number can link; the 16th digit of a numeric xlsx cell cannot be trusted
        case when nik_status = 'valid_length' then nik end as nik,
        coalesce(nik_last_digit_untrusted, false) as is_nik_last_digit_untrusted,
        is_nik_valid,
        nama,
        jenis_kelamin,
        tanggal_lahir,
        case when is_no_kk_valid or no_kk_status = 'valid_length' then no_kk end as no_kk,
        coalesce(no_kk_last_digit_untrusted, false) as is_no_kk_last_digit_untrusted,
        hubungan_keluarga,
        cast(null as varchar) as id_pkh,
        kode_desa,
        kode_kecamatan,
        desil,
        is_alive,
        tanggal_update,
        cast(null as integer) as tahun,
        cast(null as integer) as tahap,
    from {{ ref('int_dtks__persons_cleaned') }}
),

pkh as (
    select
        source,
        source_path,
        sheet,
        row_number,
        row_key as record_key,
        source || '|' || canonical_source_path || '|' || sheet || '|' || row_number
            as canonical_record_key,
        is_repeat_delivery,
        case when nik_pengurus_status = 'valid_length' then nik_pengurus end as nik,
        coalesce(nik_pengurus_last_digit_untrusted, false) as is_nik_last_digit_untrusted,
        is_nik_pengurus_valid as is_nik_valid,
        nama_pengurus as nama,
        -- PKH carries no sex or birth date of its own (the NIK's are not independent evidence)
        cast(null as varchar) as jenis_kelamin,
        cast(null as date) as tanggal_lahir,
        case when is_no_kk_valid or no_kk_status = 'valid_length' then no_kk end as no_kk,
        coalesce(no_kk_last_digit_untrusted, false) as is_no_kk_last_digit_untrusted,
        cast(null as varchar) as hubungan_keluarga,
        id_pkh,
        kode_desa,
        kode_kecamatan,
        cast(null as integer) as desil,
        cast(null as boolean) as is_alive,
        cast(null as date) as tanggal_update,
        tahun,
        tahap,
    from {{ ref('int_pkh__disbursements_cleaned') }}
),

unioned as (
    select * from dtks
    union all
    select * from pkh
),

normalised as (
    select
        *,
        {{ normalise_person_name('nama') }} as nama_normal,
    from unioned
)

select
    *,
    {{ person_name_key('nama_normal') }} as nama_key,
from normalised
