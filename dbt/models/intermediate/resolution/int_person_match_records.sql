{#- One row per canonical person record (a repeat of a delivery takes its first delivery's
    result), with what blocking and pair scoring need of it: an integer record number `rid`
    (the candidate union and its joins on 11M pairs at jember scale run far faster on integers
    than on the long record keys), the size of each block it falls in (for the cap,
    var `person_block_max_rows`), and the per-record facts the evidence uses. Computed once
    here, read by int_person_pairs_candidates, int_person_match_weights and
    int_person_pairs_scored. -#}
with

-- not materialised: each of its many readers scans the table for the few columns it needs
-- (materialised, all ~40 columns of every record were copied once, and spilled at province
-- scale)
records as not materialized (
    select
        *,
        -- the row's position in the table: the one join of the narrow lookups back onto the
        -- records is on it (an integer joins faster than the long record key)
        rowid as record_row,
    from {{ ref('int_person_records') }}
    where not is_repeat_delivery
),

-- the regency's kecamatan codes as NIK digits 1-6 (35.09.12 -> 350912)
kecamatan_regions as (
    select distinct replace(kode_kecamatan, '.', '') as nik_region
    from {{ ref('wilayah_jember') }}
),

-- how much an agreeing name key says, log2(records / records with that key): frequent names
-- weak, rare strong (bounded where it is scored, seed person_match_points)
name_weights as (
    select
        nama_key,
        log2((select count(*) from records) / count(*)) as name_weight,
        count(*) as name_records,
    -- the scalar subquery reads `records` too (AL04 takes that for a second alias)
    from records  -- noqa: AL04
    where nama_key is not null
    group by nama_key
),

-- term frequencies: the share of records (that have one) with this name key, this birth date
name_frequencies as (
    select
        nama_key,
        count(*) / sum(count(*)) over () as name_frequency,
    from records
    where nama_key is not null
    group by nama_key
),

birth_date_frequencies as (
    select
        tanggal_lahir,
        count(*) / sum(count(*)) over () as birth_date_frequency,
    from records
    where tanggal_lahir is not null
    group by tanggal_lahir
),

-- how many distinct NIKs carry each (name key, birth date): 1 means the combination points to
-- one NIK holder only, so a record without a NIK that shares it is not ambiguous
name_birth_niks as (
    select
        nama_key,
        tanggal_lahir,
        count(distinct left(nik, 15)) as name_birth_nik_count,
    from records
    where nik is not null and nama_key is not null and tanggal_lahir is not null
    group by all
),

-- the size of each block (the rows sharing a key; null keys form one group, as a window
-- partition does): counted once per key and joined back, which at jember scale is several
-- times cheaper than a window per key over the 1.4M wide rows (each window re-partitions them)
nik15_blocks as (
    select
        left(nik, 15) as nik15,
        count(*) as block_rows,
    from records
    group by all
),

no_kk_blocks as (
    select
        no_kk,
        count(*) as block_rows,
    from records
    group by all
),

id_pkh_blocks as (
    select
        id_pkh,
        count(*) as block_rows,
    from records
    group by all
),

birth_name_blocks as (
    select
        tanggal_lahir,
        nama_key,
        count(*) as block_rows,
    from records
    group by all
),

desa_name_blocks as (
    select
        kode_desa,
        nama_key,
        count(*) as block_rows,
    from records
    group by all
),

-- once per distinct name (the key's regular expressions are the costly part of this model):
-- the words in alphabetical order, as a two-part name written the other way round (FITRI
-- AULIA / AULIA FITRI) is the same name, and the spelling-folded key of those sorted words,
-- which blocks a swapped name written another way too (MUHAMMAD JEFRI / JEFRI MOCH.)
sorted_names as (
    select
        nama_normal,
        nama_sorted,
        {{ person_name_key('nama_sorted') }} as nama_sorted_key,
    from (
        select
            nama_normal,
            array_to_string(list_sort(string_split(nama_normal, ' ')), ' ') as nama_sorted,
        from (
            select distinct nama_normal
            from records
            where nama_normal is not null
        )
    )
),

-- the NIKs DTKS rows carry (16 digits; the first 15 where a 16th digit came from a number
-- cell) and the NIKs PKH rows carry: a PKH recipient whose NIK no DTKS row carries is the one
-- a NIK typo may have kept from its DTKS person (pkh_near_nik_desa in int_person_pairs_scored)
dtks_niks as (
    select distinct nik
    from records
    where source = 'dtks' and nik is not null
),

dtks_nik15s as (
    select
        left(nik, 15) as nik15,
        bool_or(is_nik_last_digit_untrusted) as is_any_untrusted,
    from records
    where source = 'dtks' and nik is not null
    group by all
),

pkh_niks as (
    select distinct nik
    from records
    where source = 'pkh' and nik is not null
),

-- what the lookups below need of each record, narrow: a join carries its probe rows through
-- every later join of the chain, and the records' ~40 columns through the dozen joins here ran
-- out of memory at province scale (15M records, memory_limit 1.5GB); these few columns do not.
-- The records come back once, at the end.
record_numbers as (
    select
        -- the record number, ordered by record key: a narrow sort (4.5 s of the 8 s this model
        -- took at jember scale when the window ran over the wide rows)
        row_number() over (
            order by records.record_key
        ) as rid,
        records.record_row,
        records.source,
        records.nik,
        left(records.nik, 15) as nik15,
        records.is_nik_last_digit_untrusted,
        records.tanggal_lahir,
        records.nama_key,
        sorted_names.nama_sorted_key,
        records.no_kk,
        records.id_pkh,
        records.kode_desa,
        -- the birth digits (7-12, DDMMYY with DD + 40 for women) a NIK of this record's birth
        -- date and sex would carry (null without a date or a sex)
        lpad(cast(
            day(records.tanggal_lahir)
            + case records.jenis_kelamin when 'P' then 40 when 'L' then 0 end as varchar
        ), 2, '0') || strftime(records.tanggal_lahir, '%m%y') as date_birth_digits,
    from records
    left join sorted_names using (nama_normal)
),

-- the birth digits a record's NIK carries, or without a NIK those its birth date and sex give
-- (the key of the desa + birth digits block)
record_keys as (
    select
        *,
        coalesce(substr(nik, 7, 6), date_birth_digits) as birth_digits,
    from record_numbers
),

birth_sorted_name_blocks as (
    select
        tanggal_lahir,
        nama_sorted_key,
        count(*) as block_rows,
    from record_keys
    group by all
),

desa_birth_digits_blocks as (
    select
        kode_desa,
        birth_digits,
        count(*) as block_rows,
    from record_keys
    group by all
),

desa_sorted_name_blocks as (
    select
        kode_desa,
        nama_sorted_key,
        count(*) as block_rows,
    from record_keys
    group by all
),

desa_birth_blocks as (
    select
        kode_desa,
        tanggal_lahir,
        count(*) as block_rows,
    from record_keys
    group by all
),

-- each record's NIK lists and name and birth-date weights, and its block sizes (for the cap on
-- each block, block_max_rows), in stages of a few joins: the hash tables of a chain of joins
-- are held together while its rows pass, and all of them at once ran out of memory at province
-- scale; each stage is materialised, and spills, alone. Each stage passes on only the keys a
-- later stage joins on: every materialised stage is a copy of its rows, and the NIK, card and
-- name strings carried through all of them made this model spill at jember scale (the final
-- select takes the records' own columns from the records)
lookups_niks as materialized (
    select
        record_keys.record_row,
        record_keys.rid,
        record_keys.tanggal_lahir,
        record_keys.nama_key,
        record_keys.nama_sorted_key,
        record_keys.id_pkh,
        record_keys.kode_desa,
        record_keys.date_birth_digits,
        record_keys.birth_digits,
        dtks_niks.nik is not null as is_nik_a_dtks_nik,
        dtks_nik15s.nik15 is not null as is_nik15_a_dtks_nik15,
        coalesce(dtks_nik15s.is_any_untrusted, false) as is_dtks_nik15_untrusted,
        pkh_niks.nik is not null as is_nik_a_pkh_nik,
        nik15_blocks.block_rows as nik15_rows,
        no_kk_blocks.block_rows as no_kk_rows,
    from record_keys
    left join dtks_niks on record_keys.source = 'pkh' and dtks_niks.nik = record_keys.nik
    left join dtks_nik15s
        on record_keys.source = 'pkh' and dtks_nik15s.nik15 = record_keys.nik15
    left join pkh_niks on record_keys.source = 'dtks' and pkh_niks.nik = record_keys.nik
    left join nik15_blocks on nik15_blocks.nik15 is not distinct from record_keys.nik15
    left join no_kk_blocks on no_kk_blocks.no_kk is not distinct from record_keys.no_kk
),

lookups_names as materialized (
    select
        lookups_niks.*,
        name_weights.name_weight,
        name_weights.name_records,
        name_frequencies.name_frequency,
        birth_date_frequencies.birth_date_frequency,
        name_birth_niks.name_birth_nik_count,
    from lookups_niks
    left join name_weights using (nama_key)
    left join name_frequencies using (nama_key)
    left join birth_date_frequencies using (tanggal_lahir)
    left join name_birth_niks using (nama_key, tanggal_lahir)
),

lookups_blocks as materialized (
    select
        lookups_names.* exclude (id_pkh, nama_key),
        id_pkh_blocks.block_rows as id_pkh_rows,
        birth_name_blocks.block_rows as birth_name_rows,
        desa_name_blocks.block_rows as desa_name_rows,
        birth_sorted_name_blocks.block_rows as birth_sorted_name_rows,
    from lookups_names
    left join id_pkh_blocks on id_pkh_blocks.id_pkh is not distinct from lookups_names.id_pkh
    left join birth_name_blocks
        on birth_name_blocks.tanggal_lahir is not distinct from lookups_names.tanggal_lahir
            and birth_name_blocks.nama_key is not distinct from lookups_names.nama_key
    left join desa_name_blocks
        on desa_name_blocks.kode_desa is not distinct from lookups_names.kode_desa
            and desa_name_blocks.nama_key is not distinct from lookups_names.nama_key
    left join birth_sorted_name_blocks
        on birth_sorted_name_blocks.tanggal_lahir is not distinct from lookups_names.tanggal_lahir
            and birth_sorted_name_blocks.nama_sorted_key
            is not distinct from lookups_names.nama_sorted_key
),

lookups as (
    select
        lookups_blocks.*,
        desa_sorted_name_blocks.block_rows as desa_sorted_name_rows,
        desa_birth_digits_blocks.block_rows as desa_birth_digits_rows,
        desa_birth_blocks.block_rows as desa_birth_rows,
    from lookups_blocks
    left join desa_sorted_name_blocks
        on desa_sorted_name_blocks.kode_desa is not distinct from lookups_blocks.kode_desa
            and desa_sorted_name_blocks.nama_sorted_key
            is not distinct from lookups_blocks.nama_sorted_key
    left join desa_birth_digits_blocks
        on desa_birth_digits_blocks.kode_desa is not distinct from lookups_blocks.kode_desa
            and desa_birth_digits_blocks.birth_digits
            is not distinct from lookups_blocks.birth_digits
    left join desa_birth_blocks
        on desa_birth_blocks.kode_desa is not distinct from lookups_blocks.kode_desa
            and desa_birth_blocks.tanggal_lahir is not distinct from lookups_blocks.tanggal_lahir
)

-- only what the blocks and the evidence need: narrow rows join faster
select
    lookups.rid,
    records.record_key,
    records.source,
    records.source_path,
    records.sheet,
    records.nik,
    records.nik_kept_digits,
    records.nik_wrong_length,
    records.is_nik_last_digit_untrusted,
    records.tanggal_lahir,
    records.jenis_kelamin,
    records.nama_normal,
    records.nama_key,
    sorted_names.nama_sorted,
    lookups.nama_sorted_key,
    records.no_kk,
    records.is_no_kk_last_digit_untrusted,
    records.id_pkh,
    records.kode_desa,
    records.kode_kecamatan,
    left(records.nik, 15) as nik15,
    lookups.nik15_rows,
    lookups.no_kk_rows,
    lookups.id_pkh_rows,
    lookups.birth_name_rows,
    lookups.desa_name_rows,
    lookups.name_weight,
    -- a name so rare that two people with it born on one day in one district are not to be
    -- expected: the namesake guards (NIKs that differ only in the serial's last digit, or
    -- lost it to a number cell) do not apply to it. A count, not a share: a district
    -- registers about as many births a day whatever the number of records loaded, so the
    -- chance of a same-day namesake grows with the name's bearers, not with its share
    -- (measured: a share-based bound, weight >= 12, merged 61 namesake pairs on the eval
    -- kit at jember, keys with up to ~360 records). Var person_very_rare_name_records.
    coalesce(
        lookups.name_records <= {{ var('person_very_rare_name_records', 16) }}, false
    ) as is_name_very_rare,
    lookups.name_frequency,
    lookups.birth_date_frequency,
    lookups.name_birth_nik_count,
    -- the NIK's own birth-date digits (7-12: DDMMYY, DD + 40 for women) agree with
    -- TANGGAL_LAHIR and JENIS_KELAMIN (either sex when it is missing): the NIK is not a
    -- typo landing on someone else's
    coalesce(
        substr(records.nik, 7, 6) = lpad(cast(
            day(records.tanggal_lahir)
            + case when records.jenis_kelamin = 'P' then 40 else 0 end as varchar
        ), 2, '0')
        || strftime(records.tanggal_lahir, '%m%y')
        or (
            records.jenis_kelamin is null and substr(records.nik, 7, 6)
            = lpad(cast(day(records.tanggal_lahir) + 40 as varchar), 2, '0') || strftime(records.tanggal_lahir, '%m%y')
        ),
        false
    ) as is_nik_birth_consistent,
    lookups.date_birth_digits,
    -- a PKH recipient's NIK that some DTKS row carries too (in the first 15 digits when
    -- either side's 16th digit came from a number cell): the NIK blocks link it; a NIK
    -- that no DTKS row carries may be a typo of its DTKS person's
    records.source = 'pkh' and records.nik is not null and (
        lookups.is_nik_a_dtks_nik
        or lookups.is_dtks_nik15_untrusted
        or (records.is_nik_last_digit_untrusted and lookups.is_nik15_a_dtks_nik15)
    ) as is_nik_on_dtks,
    -- a DTKS row's NIK that a PKH row carries: that PKH family is this person's (or a
    -- namesake's), so no other PKH recipient is linked to it by a near NIK
    records.source = 'dtks' and lookups.is_nik_a_pkh_nik as is_nik_on_pkh,
    -- a birth date registries use as a default (1 July, 1 January, 31 December) says little
    {{ is_default_birth_date('records.tanggal_lahir') }} as is_default_birth_date,
    -- a NIK of this regency (3509) whose kecamatan digits (5-6) name no kecamatan of it
    -- (seed wilayah_jember): visibly mistyped there (int_person_pairs_compared,
    -- is_nik_region_typo_located)
    coalesce(
        left(records.nik, 4) = '3509'
        and left(records.nik, 6) not in (select nik_region from kecamatan_regions),
        false
    ) as is_nik_kecamatan_unknown,
    lookups.birth_sorted_name_rows,
    lookups.desa_sorted_name_rows,
    lookups.desa_birth_digits_rows,
    lookups.desa_birth_rows,
from records
inner join lookups using (record_row)
left join sorted_names using (nama_normal)
