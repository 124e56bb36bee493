{#- Blocking keys shared by more records than resolution will pair (var person_block_max_rows,
    the same var int_person_pairs_scored caps its blocks with): one row per oversized key and
    per delivered file holding rows of it. Such a key cannot identify anyone (a placeholder NIK
    or card pasted on thousands of rows, one name and birth date regency-wide), so resolution
    leaves its rows unpaired: the persons of that file would be counted as many people as rows.
    That is a finding about the delivery, and the suite int_delivery_blocks (critical) blocks
    publishing on any row here; the report names the files.

    Counted from the cleaned rows, before any resolution work, with the same keys as the
    resolution blocks (NIK on its first 15 digits, NO_KK, ID_PKH, birth date with name key,
    no registry default date). The rows rejected in dbt are not among them and hold no key
    (rejected: no NIK, name, card or ID_PKH); read from the staging views, the rows' values
    were parsed again here (at jember ~3 s of CPU).
    Rows of a byte-identical repeat delivery are left out, as resolution leaves them out. -#}
{%- set block_max_rows = var('person_block_max_rows', 1000) -%}
with

-- the rows resolution resolves: a byte-identical repeat delivery's rows are left out
kept_rows as (
    select
        source_path,
        case when nik_status = 'valid_length' then left(nik, 15) end as nik15,
        case when is_no_kk_valid then no_kk end as no_kk,
        null::varchar as id_pkh,
        tanggal_lahir,
        nama,
    from {{ ref('int_dtks__persons_cleaned') }}
    where not is_repeat_delivery
    union all
    select
        source_path,
        case when nik_pengurus_status = 'valid_length' then left(nik_pengurus, 15) end as nik15,
        case when is_no_kk_valid then no_kk end as no_kk,
        id_pkh,
        null::date as tanggal_lahir,
        nama_pengurus as nama,
    from {{ ref('int_pkh__disbursements_cleaned') }}
    where not is_repeat_delivery
),

-- the name key (the costly part) once per distinct name, as in int_person_records
name_keys as (
    select
        nama,
        {{ person_name_key(normalise_person_name('nama')) }} as nama_key,
    from (
        select distinct nama
        from kept_rows
        where nama is not null
    )
),

kept as (
    select
        kept_rows.* exclude (nama),
        name_keys.nama_key,
    from kept_rows
    left join name_keys using (nama)
),

keys as (
    select
        source_path,
        'nik' as block_kind,
        nik15 as block_key
    from kept
    where nik15 is not null
    union all
    select
        source_path,
        'no_kk',
        no_kk
    from kept
    where no_kk is not null
    union all
    select
        source_path,
        'id_pkh',
        id_pkh
    from kept
    where id_pkh is not null
    union all
    select
        source_path,
        'birth_name',
        strftime(tanggal_lahir, '%Y-%m-%d') || ' ' || nama_key
    from kept
    where tanggal_lahir is not null and nullif(nama_key, '') is not null
        -- resolution makes no birth-date and name pairs on a registry default date
        and not {{ is_default_birth_date('tanggal_lahir') }}
),

oversized as (
    select
        block_kind,
        block_key,
        count(*) as block_rows,
        -- the key itself may be a NIK or a name: it stays out of this table, a number tells
        -- the blocks apart
        row_number() over (
            order by count(*) desc, block_kind, block_key asc
        ) as block_number,
    from keys
    group by block_kind, block_key
    having count(*) > {{ block_max_rows }}
)

select
    oversized.block_number,
    keys.block_kind,
    oversized.block_rows,
    keys.source_path,
    count(*) as file_rows,
    {{ block_max_rows }} as block_max_rows,
from keys
inner join oversized using (block_kind, block_key)
group by oversized.block_number, keys.block_kind, oversized.block_rows, keys.source_path
