{#- One row per resolved household (analyst tier: no NIK, NO_KK, names or addresses).
    Members are the persons whose latest DTKS row (by TANGGAL_UPDATE) places them in this
    household, so a person who split off or moved counts in the new household only. Ages are
    taken on 1 January of var('household_age_year'). Village, desil: the latest DTKS row of a
    member wins, and disagreement among members' rows stays visible as a flag. PKH: the rows
    pointing to the household (through NO_KK, ID_PKH or the recipient), latest year. -#}
{%- set age_year = var('household_age_year', 2025) -%}
with

xref as (
    select * from {{ ref('int_person_xref') }}
    where match_rule <> 'repeat_delivery' and household_id is not null
),

records as (
    select
        xref.person_id,
        xref.household_id,
        xref.split_from_household_id,
        records.*,
        coalesce(records.tanggal_update, date '1900-01-01')::varchar || '|'
        || records.source_path || '|' || lpad(records.row_number::varchar, 9, '0') as recency,
    from xref
    inner join {{ ref('int_person_records') }} as records using (record_key)
),

dtks_rows as (
    select * from records where source = 'dtks'
),

-- each person's latest DTKS row decides their current household
current_members as (
    select
        person_id,
        arg_max(household_id, recency) as household_id,
        arg_max(tanggal_lahir, recency) filter (where tanggal_lahir is not null) as tanggal_lahir,
        arg_max(is_alive, recency) filter (where is_alive is not null) as is_alive,
    from dtks_rows
    group by person_id
),

members as (
    select
        household_id,
        count(*) filter (where is_alive is distinct from false) as member_count,
        count(*) filter (where is_alive = false) as deceased_member_count,
        {%- for band, low, high in [('0_6', 0, 6), ('7_17', 7, 17), ('18_59', 18, 59), ('60_69', 60, 69), ('70_plus', 70, 200)] %}
        count(*) filter (
            where is_alive is distinct from false
            and date_diff('year', tanggal_lahir, date '{{ age_year }}-01-01')
                - case when strftime(tanggal_lahir, '%m%d') > '0101' then 1 else 0 end
                between {{ low }} and {{ high }}
        ) as members_age_{{ band }},
        {%- endfor %}
        count(*) filter (where tanggal_lahir is null and is_alive is distinct from false)
            as members_age_unknown,
    from current_members
    group by household_id
),

dtks_households as (
    select
        household_id,
        arg_max(kode_desa, recency) filter (where kode_desa is not null) as kode_desa,
        arg_max(desil, recency) filter (where desil is not null) as desil,
        any_value(split_from_household_id) as split_from_household_id,
        count(distinct desil) > 1 as has_desil_conflict,
        count(distinct kode_desa) > 1 as has_village_conflict,
        count(*) as dtks_rows,
    from dtks_rows
    group by household_id
),

pkh_rows as (
    select
        records.*,
        max(tahun) over (partition by household_id) as latest_tahun,
    from records
    where source = 'pkh'
),

pkh_households as (
    select
        household_id,
        max(tahun) as pkh_tahun,
        arg_max(status_kpm, tahun * 10 + tahap) as pkh_status,
        arg_max(jumlah_bumil, tahun * 10 + tahap) as pkh_bumil,
        arg_max(jumlah_aud, tahun * 10 + tahap) as pkh_aud,
        arg_max(jumlah_sd, tahun * 10 + tahap) as pkh_sd,
        arg_max(jumlah_smp, tahun * 10 + tahap) as pkh_smp,
        arg_max(jumlah_sma, tahun * 10 + tahap) as pkh_sma,
        arg_max(jumlah_disabilitas, tahun * 10 + tahap) as pkh_disabilitas,
        arg_max(jumlah_lansia, tahun * 10 + tahap) as pkh_lansia,
        sum(nominal) filter (where tahun = latest_tahun) as pkh_yearly_amount_rp,
        count(distinct id_pkh) as pkh_id_count,
        count(distinct person_id) as pkh_recipient_count,
    from (
        select pkh_rows.*, pkh.jumlah_bumil, pkh.jumlah_aud, pkh.jumlah_sd, pkh.jumlah_smp,
            pkh.jumlah_sma, pkh.jumlah_disabilitas, pkh.jumlah_lansia, pkh.status_kpm, pkh.nominal
        from pkh_rows
        inner join {{ ref('int_pkh__disbursements_cleaned') }} as pkh
            on pkh.row_key = pkh_rows.record_key
    )
    group by household_id
),

-- PKH paid while the recipient's latest DTKS row says MENINGGAL
deceased_recipients as (
    select distinct pkh_rows.household_id
    from pkh_rows
    inner join current_members using (person_id)
    where current_members.is_alive = false
)

select
    dtks_households.household_id,
    dtks_households.kode_desa,
    dtks_households.split_from_household_id,
    coalesce(members.member_count, 0) as member_count,
    coalesce(members.deceased_member_count, 0) as deceased_member_count,
    coalesce(members.members_age_0_6, 0) as members_age_0_6,
    coalesce(members.members_age_7_17, 0) as members_age_7_17,
    coalesce(members.members_age_18_59, 0) as members_age_18_59,
    coalesce(members.members_age_60_69, 0) as members_age_60_69,
    coalesce(members.members_age_70_plus, 0) as members_age_70_plus,
    coalesce(members.members_age_unknown, 0) as members_age_unknown,
    dtks_households.desil,
    pkh_households.household_id is not null as is_pkh_recipient,
    pkh_households.pkh_tahun,
    pkh_households.pkh_status,
    pkh_households.pkh_bumil,
    pkh_households.pkh_aud,
    pkh_households.pkh_sd,
    pkh_households.pkh_smp,
    pkh_households.pkh_sma,
    pkh_households.pkh_disabilitas,
    pkh_households.pkh_lansia,
    coalesce(pkh_households.pkh_yearly_amount_rp, 0) as pkh_yearly_amount_rp,
    dtks_households.has_desil_conflict,
    dtks_households.has_village_conflict,
    coalesce(pkh_households.pkh_id_count, 0) > 1 as has_several_id_pkh,
    coalesce(pkh_households.pkh_recipient_count, 0) > 1 as has_several_pkh_recipients,
    deceased_recipients.household_id is not null as has_deceased_pkh_recipient,
    dtks_households.split_from_household_id is not null as is_split_or_moved,
    coalesce(members.member_count, 0) = 0 as has_no_current_member,
from dtks_households
left join members using (household_id)
left join pkh_households using (household_id)
left join deceased_recipients using (household_id)
