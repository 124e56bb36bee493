{#- Two family cards (NO_KK) of one family: cards that share at least two NIKs (first 15
    digits). A family that moves, splits or has its card re-issued takes several members onto
    the new card (a NO_KK changes when a family moves or splits, a NIK never changes: raw
    contract); a namesake on another card shares only the one NIK. NIKs seen on more than 5
    cards (a placeholder, a number pasted down a column) are left out, so the self-join stays
    bounded. One row per pair of cards, no_kk_a < no_kk_b. Read by int_person_pairs_compared
    (is_family_related), int_persons_clustered and int_person_card_move_pairs. -#}
with

card_niks as (
    select
        no_kk,
        nik15
    from (
        select distinct
            no_kk,
            nik15
        from {{ ref('int_person_match_records') }}
        where no_kk is not null and nik15 is not null
    )
    qualify count(*) over (partition by nik15) <= 5
)

select
    a.no_kk as no_kk_a,
    b.no_kk as no_kk_b,
    count(*) as shared_niks,
from card_niks as a
inner join card_niks as b on a.nik15 = b.nik15 and a.no_kk < b.no_kk
group by all
having count(*) >= 2
