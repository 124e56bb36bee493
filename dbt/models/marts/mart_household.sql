{#- One row per resolved household (analyst tier: no NIK, NO_KK, names or addresses).
    Members are the persons whose latest DTKS row places them in this household
    (int_household_members), so a person who split off or moved counts in the new household
    only. Ages are taken on 1 January of the PKH year (int_pkh_year). Village, desil:
    the household's latest DTKS row (int_households_dtks), disagreement kept as a flag. PKH: the
    families of the PKH year pointing to the household (int_pkh_families). Targeting problems:
    int_targeting_cases, one flag per kind. -#}
with

households as (
    select * from {{ ref('int_households_dtks') }}
),

members as (
    select
        household_id,
        count(*) filter (where is_alive is distinct from false) as member_count,
        count(*) filter (where is_alive = false) as deceased_member_count,
        {%- for band, low, high in [('0_6', 0, 6), ('7_17', 7, 17), ('18_59', 18, 59), ('60_69', 60, 69), ('70_plus', 70, 200)] %}
        count(*) filter (
            where is_alive is distinct from false and greatest(age_pkh, 0) between {{ low }} and {{ high }}
        ) as members_age_{{ band }},
        {%- endfor %}
        count(*) filter (where age_pkh is null and is_alive is distinct from false)
            as members_age_unknown,
    {%- for k in pkh_components() %}
    count(*) filter (where is_alive is distinct from false and komponen_pasti = '{{ k }}')
        as eligible_{{ k }},
    {%- endfor %}
    from {{ ref('int_household_members') }}
    where is_current
    group by household_id
),

pkh as (
    select
        household_id,
        max(tahun) as pkh_tahun,
        -- the family's own ID_PKH when it has several: the one paid most, then the smallest
        arg_max(status_kpm, lpad(nominal_rp::bigint::varchar, 14, '0') || id_pkh) as pkh_status,
        {%- for k in pkh_components() %}
        arg_max(jumlah_{{ k }}, lpad(nominal_rp::bigint::varchar, 14, '0') || id_pkh) as pkh_{{ k }},
        {%- endfor %}
        sum(nominal_rp) as pkh_yearly_amount_rp,
        count(*) as pkh_id_count,
        count(distinct recipient_person_id) as pkh_recipient_count,
    from {{ ref('int_pkh_families') }}
    where household_id is not null
    group by household_id
),

cases as (
    select
        household_id,
    {%- for kind in targeting_kinds() %}
    bool_or(kind = '{{ kind }}') as is_{{ kind }},
    {%- endfor %}
    from {{ ref('int_targeting_cases') }}
    where household_id is not null
    group by household_id
)

select
    households.household_id,
    households.kode_desa,
    {{ kode_kecamatan_of('households.kode_desa') }} as kode_kecamatan,
    households.split_from_household_id,
    coalesce(members.member_count, 0) as member_count,
    coalesce(members.deceased_member_count, 0) as deceased_member_count,
    {%- for band in ['0_6', '7_17', '18_59', '60_69', '70_plus', 'unknown'] %}
    coalesce(members.members_age_{{ band }}, 0) as members_age_{{ band }},
    {%- endfor %}
    {%- for k in pkh_components() %}
    coalesce(members.eligible_{{ k }}, 0) as eligible_{{ k }},
    {%- endfor %}
    households.desil,
    pkh.household_id is not null as is_pkh_recipient,
    pkh.pkh_tahun,
    pkh.pkh_status,
    {%- for k in pkh_components() %}
    pkh.pkh_{{ k }},
    {%- endfor %}
    coalesce(pkh.pkh_yearly_amount_rp, 0) as pkh_yearly_amount_rp,
    households.has_desil_conflict,
    households.has_village_conflict,
    coalesce(pkh.pkh_id_count, 0) > 1 as has_several_id_pkh,
    coalesce(pkh.pkh_recipient_count, 0) > 1 as has_several_pkh_recipients,
    households.split_from_household_id is not null as is_split_or_moved,
    coalesce(members.member_count, 0) = 0 as has_no_current_member,
{%- for kind in targeting_kinds() %}
coalesce(cases.is_{{ kind }}, false) as is_{{ kind }}{% if kind in ['inclusion', 'exclusion'] %}_candidate{% elif kind == 'duplicate_aid' %}_case{% endif %},
{%- endfor %}
from households
left join members using (household_id)
left join pkh using (household_id)
left join cases using (household_id)
