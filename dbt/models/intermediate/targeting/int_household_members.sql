{#- One row per resolved person and household they were ever listed in (canonical DTKS rows).
    `is_current`: the household of the person's latest DTKS row (TANGGAL_UPDATE, then later
    path, then later row), where they count as a member. Person attributes are their latest
    known value. `komponen_pasti` is the one PKH component the person certainly counts in on
    1 January of the PKH year (lowest prioritas in the pkh_komponen seed), NULL when none;
    `komponen_mungkin` lists every component the person could count in once unknown values
    (blank HAMIL or DISABILITAS, an unreadable birth date, a birth during the year) are taken
    into account. The targeting rules compare PKH's counts with both.
    `is_membership_uncertain`: a row of the person was placed in this household without a card
    of its own (its NO_KK unusable: the family block it sits in gave the card, or a one-row card
    one digit from the neighbour's). -#}
with

pkh_year as (
    select * from {{ ref('int_pkh_year') }}
),

komponen as (
    select * from {{ ref('pkh_komponen') }}
),

rows_placed as (
    select * from {{ ref('int_dtks_rows_placed') }}
    where household_id is not null
),

persons as (
    select
        person_id,
        arg_max(household_id, recency) as current_household_id,
        arg_max(tanggal_lahir, recency) filter (where tanggal_lahir is not null) as tanggal_lahir,
        arg_max(jenis_kelamin, recency) filter (where jenis_kelamin is not null) as jenis_kelamin,
        arg_max(is_alive, recency) filter (where is_alive is not null) as is_alive,
        arg_max(is_hamil, recency) filter (where is_hamil is not null) as is_hamil,
        arg_max(is_disabilitas, recency) filter (where is_disabilitas is not null) as is_disabilitas,
    from rows_placed
    group by person_id
),

memberships as (
    select
        person_id,
        household_id,
        arg_max(hubungan_keluarga, recency) filter (where hubungan_keluarga is not null)
            as hubungan_keluarga,
        count(*) as dtks_rows,
        coalesce(bool_or(household_rule in ('neighbour_row_no_kk', 'no_kk_typo_neighbour')), false)
            as is_membership_uncertain,
    from rows_placed
    group by person_id, household_id
),

members as (
    select
        memberships.person_id,
        memberships.household_id,
        memberships.household_id = persons.current_household_id as is_current,
        memberships.hubungan_keluarga,
        memberships.dtks_rows,
        memberships.is_membership_uncertain,
        persons.tanggal_lahir,
        persons.jenis_kelamin,
        persons.is_alive,
        persons.is_hamil,
        persons.is_disabilitas,
        {{ age_on_january_first('persons.tanggal_lahir', 'pkh_year.pkh_tahun') }} as age_pkh,
    from memberships
    inner join persons using (person_id)
    cross join pkh_year
),

-- each person against each component: certainly, possibly, or not eligible
eligibility as (
    select
        members.person_id,
        members.household_id,
        komponen.komponen,
        komponen.prioritas,
        case komponen.syarat
            when 'hamil' then members.is_hamil is true
            when 'disabilitas' then members.is_disabilitas is true
            else members.age_pkh between komponen.usia_min and coalesce(komponen.usia_max, 200)
        end as is_certain,
        case komponen.syarat
            when 'hamil'
                then (
                    members.is_hamil is not false
                    and members.jenis_kelamin is distinct from 'L'
                    and (members.age_pkh is null or members.age_pkh between 10 and 55)
                )
            when 'disabilitas' then members.is_disabilitas is not false
            else (
                members.age_pkh is null
                or members.age_pkh between komponen.usia_min and coalesce(komponen.usia_max, 200)
                -- born during the PKH year: the raw contract takes ages on 1 January and says
                -- not whether a child born later in the year is counted; lists may count it
                or (komponen.usia_min = 0 and members.age_pkh = -1)
            )
        end as is_possible,
    from members
    cross join komponen
),

per_member as (
    select
        person_id,
        household_id,
        arg_min(komponen, prioritas) filter (where is_certain) as komponen_pasti,
        list(
            komponen
            order by prioritas
        ) filter (where is_possible or is_certain
        ) as komponen_mungkin,
    from eligibility
    group by person_id, household_id
)

select
    members.*,
    per_member.komponen_pasti,
    coalesce(per_member.komponen_mungkin, []) as komponen_mungkin,
from members
inner join per_member using (person_id, household_id)
