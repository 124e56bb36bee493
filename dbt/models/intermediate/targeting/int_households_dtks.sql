{#- One row per resolved DTKS household: where it lives and its desil. The latest DTKS row of
    the household (TANGGAL_UPDATE, then later path, then later row) decides village and desil;
    disagreement among its rows stays visible as a flag. `is_composition_uncertain`: who
    belongs to the household is itself uncertain, because one resolved person holds two rows
    of the same file (a file lists a person once: these may be two people, and the household
    two families joined as one family entered twice), or a member listed inside a family's
    block on a card one digit from the head's was placed in another household (this one or
    the head's), or it is a suspected fragment:
    `is_card_typo_fragment`, a head whose one-row card is one digit from the card of the family
    next to it in the same file (resolution keeps such a head apart and merges other members,
    rule `no_kk_typo_neighbour`: see int_households_clustered), and that neighbour's household
    too. Component counts are not checked against such a household, and a fragment is never an
    exclusion case of its own. A member placed by a neighbour row's card (their own NO_KK
    unusable) only widens the household's component counts (int_household_components). -#}
with

rows_placed as (
    select
        *,
        count(*) over (partition by person_id, source_path, sheet) as person_rows_in_file,
    from {{ ref('int_dtks_rows_placed') }}
    where household_id is not null
),

-- a head left on a one-row card one digit from the adjacent family's card (resolution keeps
-- it apart, int_households_clustered): a suspected fragment of that family
fragments as (
    select distinct
        household_id,
        card_typo_neighbour_household_id as neighbour_household_id,
    from rows_placed
    where card_typo_neighbour_household_id is not null
),

-- Files list a family together, its KEPALA KELUARGA first (dtks_family_block): a member
-- inside a head's block whose card is one digit from the head's but who was not placed with the
-- head is a NO_KK typo that landed on another family's card, or a member of that other family;
-- who belongs to which of the two households is uncertain
blocks as (
    select
        *,
        {{ dtks_family_block() }} as family_block,
    from rows_placed
),

block_heads as (
    select
        source_path,
        sheet,
        family_block,
        arg_min(no_kk, row_number) as head_card,
        arg_min(household_id, row_number) as head_household_id,
    from blocks
    where hubungan_keluarga = 'KEPALA KELUARGA'
    group by all
),

block_strays as (
    select
        blocks.household_id,
        block_heads.head_household_id,
    from blocks
    inner join block_heads using (source_path, sheet, family_block)
    where blocks.hubungan_keluarga is distinct from 'KEPALA KELUARGA'
        and length(blocks.no_kk) = 16 and length(block_heads.head_card) = 16
        and hamming(blocks.no_kk, block_heads.head_card) = 1
        and blocks.household_id <> block_heads.head_household_id
),

households as (
    select
        household_id,
        arg_max(kode_desa, recency) filter (where kode_desa is not null) as kode_desa,
        arg_max(desil, recency) filter (where desil is not null) as desil,
        min(desil) as desil_min,
        max(desil) as desil_max,
        any_value(split_from_household_id) as split_from_household_id,
        count(distinct desil) > 1 as has_desil_conflict,
        count(distinct kode_desa) > 1 as has_village_conflict,
        count(*) as dtks_rows,
        max(person_rows_in_file) > 1 as has_person_twice_in_a_file,
    from rows_placed
    group by household_id
)

select
    households.* exclude (has_person_twice_in_a_file),
    households.household_id in (select household_id from fragments) as is_card_typo_fragment,
    households.has_person_twice_in_a_file
    or households.household_id in (select household_id from block_strays)
    or households.household_id in (select head_household_id from block_strays)
    or households.household_id in (select household_id from fragments)
    or households.household_id in (select neighbour_household_id from fragments)
        as is_composition_uncertain,
from households
