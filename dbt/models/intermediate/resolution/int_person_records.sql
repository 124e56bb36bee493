{#- One row per kept DTKS row and per kept PKH row (the PKH recipient), in one shape for
    person resolution. Rows of a repeated delivery are here too, each pointing through
    `canonical_record_key` to the same row of the first delivery: only canonical rows are
    resolved, repeats take their result. 
    A NIK lost to scientific notation (`3.50912E+15`) or saved truncated by a spreadsheet
    (`3509120000000000`) is no NIK, but the leading digits it kept (the region first) are
    still compared: `nik_kept_digits`, at least 4 digits, the last possibly rounded up. -#}
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
        nik_raw,
        nik as nik_digits,
        nik_status,
        -- a spreadsheet that keeps 15 significant digits turns the 16th of a number cell into 0
        -- (raw contract): only a 0 there can be the spreadsheet's; any other digit was written
        coalesce(nik_last_digit_untrusted and right(nik, 1) = '0', false) as is_nik_last_digit_untrusted,
        is_nik_valid,
        nama,
        jenis_kelamin,
        tanggal_lahir,
        case when is_no_kk_valid then no_kk end as no_kk,
        coalesce(no_kk_last_digit_untrusted and right(no_kk, 1) = '0', false) as is_no_kk_last_digit_untrusted,
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
        nik_pengurus_raw as nik_raw,
        nik_pengurus as nik_digits,
        nik_pengurus_status as nik_status,
        -- a spreadsheet that keeps 15 significant digits turns the 16th of a number cell into 0
        -- (raw contract): only a 0 there can be the spreadsheet's; any other digit was written
        coalesce(nik_pengurus_last_digit_untrusted and right(nik_pengurus, 1) = '0', false)
            as is_nik_last_digit_untrusted,
        is_nik_pengurus_valid as is_nik_valid,
        nama_pengurus as nama,
        -- PKH carries no sex or birth date of its own (the NIK's are not independent evidence)
        cast(null as varchar) as jenis_kelamin,
        cast(null as date) as tanggal_lahir,
        case when is_no_kk_valid then no_kk end as no_kk,
        coalesce(no_kk_last_digit_untrusted and right(no_kk, 1) = '0', false) as is_no_kk_last_digit_untrusted,
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

truncated as (
    select
        *,
        -- a number a spreadsheet saved after displaying it as E+15 (id_number_is_truncated). A
        -- number cell that only lost its 16th digit is compared on 15 digits instead.
        coalesce(nik_status = 'valid_length' and {{ id_number_is_truncated('nik_digits') }}, false)
            as is_nik_truncated_number,
    from unioned
),

niks as (
    select
        * exclude (nik_raw, nik_digits, nik_status),
        -- any other 16-digit number can link; the 16th digit of a numeric xlsx cell cannot be trusted
        case when nik_status = 'valid_length' and not is_nik_truncated_number then nik_digits end as nik,
        -- a NIK typed with one digit dropped or doubled (15 or 17 digits): no NIK, but compared
        -- with the others for one digit inserted or deleted
        case when nik_status = 'wrong_length' and length(nik_digits) in (15, 17) then nik_digits end
            as nik_wrong_length,
        -- the leading digits a lost NIK kept (E+15 keeps 4-6; the last one may be rounded up)
        case
            when nik_status = 'scientific_notation'
                then regexp_replace(
                        split_part(upper(nik_raw), 'E', 1), '[^0-9]', '', 'g'
                    )
            when is_nik_truncated_number then rtrim(nik_digits, '0')
        end as nik_kept_digits_any,
    from truncated
),

-- the name normal form and its key, computed once per distinct name (the same name recurs on
-- many rows and across deliveries; these regular expressions are most of this model's work)
names as (
    select
        nama,
        {{ normalise_person_name('nama') }} as nama_normal,
    from (
        select distinct nama
        from niks
        where nama is not null
    )
),

name_keys as (
    select
        nama_normal,
        {{ person_name_key('nama_normal') }} as nama_key,
    from (
        select distinct nama_normal
        from names
        where nama_normal is not null
    )
),

normalised as (
    select
        niks.* exclude (nik_kept_digits_any, is_nik_truncated_number),
        case when length(niks.nik_kept_digits_any) >= 4 then niks.nik_kept_digits_any end as nik_kept_digits,
        names.nama_normal,
    from niks
    left join names using (nama)
)

select
    normalised.*,
    name_keys.nama_key,
from normalised
left join name_keys using (nama_normal)
