{#- One row per resolved person (restricted tier: identifiable). Values come from the
    person's DTKS rows; where they disagree the row with the latest TANGGAL_UPDATE wins (then
    the later delivery path, then the later row), and the disagreement stays visible as a
    `has_*_conflict` flag. A person known only from PKH takes the PKH recipient's name. -#}
with

xref as (
    select * from {{ ref('int_person_xref') }}
    where match_rule <> 'repeat_delivery'
),

records as (
    select
        xref.person_id,
        xref.household_id,
        records.*,
    from xref
    inner join {{ ref('int_person_records') }} as records using (record_key)
),

-- the distinct (TANGGAL_UPDATE, delivery path) prefixes of the recency key, ranked as strings
-- (files x update dates: 23,804 for 1.1M rows at jember, eval kit seed 3)
recency_prefixes as (
    select
        recency_prefix,
        row_number() over (
            order by recency_prefix
        ) as prefix_rank,
    from (
        select distinct
            coalesce(tanggal_update, date '1900-01-01')::varchar || '|' || source_path || '|'
                as recency_prefix,
        from records
        where source = 'dtks'
    )
),

dtks as (
    select
        person_id,
        count(*) as dtks_rows,
        arg_max(nama, recency) as nama,
        arg_max(nik, recency) filter (where is_nik_valid) as nik,
        arg_max(no_kk, recency) filter (where no_kk is not null) as no_kk,
        arg_max(jenis_kelamin, recency) filter (where jenis_kelamin is not null) as jenis_kelamin,
        arg_max(tanggal_lahir, recency) filter (where tanggal_lahir is not null) as tanggal_lahir,
        arg_max(household_id, recency) as household_id,
        arg_max(kode_desa, recency) filter (where kode_desa is not null) as kode_desa,
        arg_max(desil, recency) filter (where desil is not null) as desil,
        arg_max(is_alive, recency) filter (where is_alive is not null) as is_alive,
        max(tanggal_update) as tanggal_update_terakhir,
        count(distinct desil) > 1 as has_desil_conflict,
        count(distinct kode_desa) > 1 as has_village_conflict,
        count(distinct is_alive) > 1 as has_alive_conflict,
        count(distinct nik) filter (where is_nik_valid) > 1 as has_nik_conflict,
    from (
        select
            records.*,
            -- recency order: TANGGAL_UPDATE, then delivery path, then row. An integer: the
            -- rank of the (date, path) prefix times 10^9 plus the row, in the order of the
            -- string key date || '|' || path || '|' || lpad(row, 9) this replaces (arg_max
            -- over ~1.1M string keys held a string per aggregate and person, and ran out of
            -- memory at the 1.5GB limit beside int_household_members at jember scale)
            recency_prefixes.prefix_rank * 1000000000 + records.row_number as recency,
        from records
        left join recency_prefixes
            on recency_prefixes.recency_prefix
                = coalesce(records.tanggal_update, date '1900-01-01')::varchar || '|' || records.source_path || '|'
        where records.source = 'dtks'
    )
    group by person_id
),

pkh as (
    select
        person_id,
        count(*) as pkh_rows,
        count(distinct id_pkh) as pkh_id_count,
        arg_max(nama, tahun * 10 + tahap) as nama_pengurus,
        arg_max(nik, tahun * 10 + tahap) filter (where is_nik_valid) as nik_pengurus,
        arg_max(kode_desa, tahun * 10 + tahap) filter (where kode_desa is not null) as kode_desa,
        arg_max(household_id, tahun * 10 + tahap) filter (where household_id is not null)
            as household_id,
    from records
    where source = 'pkh'
    group by person_id
)

select
    coalesce(dtks.person_id, pkh.person_id) as person_id,
    coalesce(dtks.household_id, pkh.household_id) as household_id,
    coalesce(dtks.nama, pkh.nama_pengurus) as nama,
    coalesce(dtks.nik, pkh.nik_pengurus) as nik,
    dtks.no_kk,
    dtks.jenis_kelamin,
    dtks.tanggal_lahir,
    coalesce(dtks.kode_desa, pkh.kode_desa) as kode_desa,
    dtks.desil,
    dtks.is_alive,
    dtks.tanggal_update_terakhir,
    coalesce(dtks.dtks_rows, 0) as dtks_rows,
    coalesce(pkh.pkh_rows, 0) as pkh_rows,
    dtks.person_id is not null as is_in_dtks,
    pkh.person_id is not null as is_pkh_recipient,
    coalesce(pkh.pkh_id_count, 0) > 1 as is_recipient_for_several_id_pkh,
    coalesce(dtks.has_desil_conflict, false) as has_desil_conflict,
    coalesce(dtks.has_village_conflict, false) as has_village_conflict,
    coalesce(dtks.has_alive_conflict, false) as has_alive_conflict,
    coalesce(dtks.has_nik_conflict, false) as has_nik_conflict,
from dtks
full outer join pkh using (person_id)
