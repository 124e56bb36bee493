{#- One row per resolved person (restricted tier: identifiable). Values come from the
    person's DTKS rows; where they disagree the row with the latest TANGGAL_UPDATE wins (then
    the later delivery path, sheet and row), and the disagreement stays visible as a
    `has_*_conflict` flag. A person known only from PKH takes the PKH recipient's name, from the
    latest stage (then path, sheet and row: one person can be the recipient of two families in
    one stage). The order is total, so the same files always give the same row. -#}
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
        -- the recency key before the row: a DTKS row's TANGGAL_UPDATE (unknown sorts first)
        -- or a PKH row's stage (the five digits of tahun * 10 + tahap sort as a string), then
        -- the delivery path and sheet; never null, so every record finds its rank below
        coalesce(case records.source
            when 'dtks' then coalesce(records.tanggal_update, date '1900-01-01')::varchar
            else (records.tahun * 10 + records.tahap)::varchar
        end, '') || '|' || coalesce(records.source_path, '') || '|' || coalesce(records.sheet, '') || '|'
            as recency_prefix,
    from xref
    inner join {{ ref('int_person_records') }} as records using (record_key)
),

-- the distinct recency prefixes, ranked as strings (files x update dates: 23,804 for 1.1M
-- DTKS rows at jember, eval kit seed 3)
recency_prefixes as (
    {{ recency_prefix_ranks('records') }}
),

-- recency order: the prefix, then the row, as an integer (macros/recency_key.sql)
ranked as (
    select
        records.*,
        {{ recency_key('recency_prefixes.prefix_rank', 'records.row_number') }} as recency,
    from records
    inner join recency_prefixes using (recency_prefix)
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
        -- more than one value (min and max both leave nulls out, as count(distinct) did)
        min(desil) <> max(desil) as has_desil_conflict,
        min(kode_desa) <> max(kode_desa) as has_village_conflict,
        min(is_alive) <> max(is_alive) as has_alive_conflict,
        min(nik) filter (where is_nik_valid) <> max(nik) filter (where is_nik_valid)
            as has_nik_conflict,
    from ranked
    where source = 'dtks'
    group by person_id
),

pkh as (
    select
        person_id,
        count(*) as pkh_rows,
        count(distinct id_pkh) as pkh_id_count,
        arg_max(nama, recency) as nama_pengurus,
        arg_max(nik, recency) filter (where is_nik_valid) as nik_pengurus,
        arg_max(kode_desa, recency) filter (where kode_desa is not null) as kode_desa,
        arg_max(household_id, recency) filter (where household_id is not null) as household_id,
    from ranked
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
