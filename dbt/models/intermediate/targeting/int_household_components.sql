{#- One row per resolved DTKS household and set of PKH components: how many members DTKS says
    count in the set on 1 January of the PKH year. The raw contract counts each eligible member
    in one component but does not say which when two apply (a disabled school child: DISABILITAS
    or SD; a girl of 17 whose HAMIL is blank: BUMIL or SMA), so such a member bounds only the
    sum of PKH's counts over the components it could take. The sets: every single component,
    and every set of components a member of the household could take.

    `jumlah_min`: current living members who certainly count in some component, could count in
    none outside the set, and certainly belong to the household (not placed there by a
    neighbour row's card); `jumlah_max`: every member the household ever listed (a member may
    have moved out or died after 1 January) who could count in a component of the set given
    the unknowns. A sum of PKH's counts over the set outside [jumlah_min, jumlah_max] does not
    fit the family. -#}
with

members as (
    select
        *,
        -- the members a household's minimum can stand on
        (
            is_current
            and is_alive is distinct from false
            and komponen_pasti is not null
            and not is_membership_uncertain
        ) as is_certain_count,
    from {{ ref('int_household_members') }}
),

-- each household's sets, each once: the single components (one row per household and seed
-- row) and, apart, the distinct sets of two or more its members could take. UNION ALL, not
-- UNION: the two parts cannot share a row (one component against two or more), and a UNION
-- deduplicated all ~35M rows at province scale, holding them in memory at once
component_sets as (
    select
        households.household_id,
        [komponen.komponen] as komponen_set,
    from (select distinct household_id from members) as households
    cross join {{ ref('pkh_komponen') }} as komponen
    union all
    -- komponen_mungkin is ordered by prioritas, so one set is one list
    select distinct
        household_id,
        komponen_mungkin,
    from members
    where is_certain_count and len(komponen_mungkin) > 1
)

select
    component_sets.household_id,
    component_sets.komponen_set,
    count(members.person_id) filter (
        where members.is_certain_count
        and list_has_all(component_sets.komponen_set, members.komponen_mungkin)
    ) as jumlah_min,
    count(members.person_id) filter (
        where list_has_any(component_sets.komponen_set, members.komponen_mungkin)
    ) as jumlah_max,
from component_sets
left join members on members.household_id = component_sets.household_id
group by component_sets.household_id, component_sets.komponen_set
