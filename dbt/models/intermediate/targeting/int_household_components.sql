{#- One row per resolved DTKS household and PKH component: how many members DTKS says count
    in it on 1 January of the PKH year. `jumlah_min`: current living members who certainly
    count in it and could count in no other component (the raw contract does not say which of
    two a member counts in: a disabled school child may be written under either);
    `jumlah_max`: every member the household ever listed (a member may have moved out or died
    after 1 January) who could count in it given the unknowns. A PKH count outside [jumlah_min, jumlah_max] does not fit the family. -#}
with

members as (
    select * from {{ ref('int_household_members') }}
),

households as (
    select distinct household_id from members
),

komponen as (
    select
        komponen,
        prioritas
    from {{ ref('pkh_komponen') }}
)

select
    households.household_id,
    komponen.komponen,
    count(members.person_id) filter (
        where members.is_current
        and members.is_alive is distinct from false
        and members.is_komponen_pasti_unambiguous
        and members.komponen_pasti = komponen.komponen
    ) as jumlah_min,
    count(members.person_id) filter (
        where list_contains(members.komponen_mungkin, komponen.komponen)
    ) as jumlah_max,
from households
cross join komponen
left join members on members.household_id = households.household_id
group by households.household_id, komponen.komponen
