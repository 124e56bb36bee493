{#- One row per canonical DTKS record with its household key: the family card it belongs to
    (internal to the run; int_households_clustered adds the PKH records and the splits). A
    table of its own so the PKH side and the split search read narrow stored rows: at province
    scale (21M records) one model doing both spilled 24 GB to disk, the two halves 11 GB.

    The family card (NO_KK) is the household. A row whose NO_KK is unusable (empty,
    scientific notation, wrong length) joins the family of its block in the same file and
    village (files list a family's members together, the KEPALA KELUARGA first: a block runs
    from one head to the next) and takes the block's card; a block without any usable card is
    a household of its own.
    A card that only one row carries and that is one digit from the card of the row just
    above or below it in the same file is a mistyped card (NO_KK typo or a numeric cell's
    16th digit): the row joins that card's family when it is not a KEPALA KELUARGA, or when
    the same resolved person also sits on that card. A head's card one digit from the next
    family's is not enough on its own: cards issued the same day in one village differ only
    in the serial (at jember scale, seed 1: 175 of the 346 heads kept apart were that family;
    586 of the 597 other rows joined were). The card above wins; the card below only when more
    than one row carries it, so two one-row cards never swap. A head left alone keeps its card
    and names the neighbour household in `card_typo_neighbour_household_key`, for the
    targeting checks. -#}
with

records as (
    select
        records.*,
        clusters.cluster_key,
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('int_persons_clustered') }} as clusters using (record_key)
    where records.source = 'dtks' and not records.is_repeat_delivery
),

-- each head starts a block of rows that runs to the next head (dtks_family_block)
dtks_blocks as (
    select
        *,
        {{ dtks_family_block() }} as family_block,
    from records
),

-- the card a block's rows carry (the first usable one in row order, per village); a row
-- whose own card is unusable takes it
block_cards as (
    select
        source_path,
        sheet,
        family_block,
        kode_desa,
        arg_min(no_kk, row_number) filter (where no_kk is not null) as block_card,
        count(*) as block_rows,
    from dtks_blocks
    group by all
),

dtks_keyed as (
    select
        dtks_blocks.*,
        coalesce(dtks_blocks.no_kk, block_cards.block_card) as family_card,
        -- a block in which no row has a usable card is a family of its own, never merged into
        -- the family listed before it (a whole file whose cards went through E+15)
        case when block_cards.block_card is null and block_cards.block_rows > 1
                then dtks_blocks.source_path || '|' || dtks_blocks.sheet || '|' || dtks_blocks.family_block
                    || '|' || coalesce(dtks_blocks.kode_desa, '')
        end as block_key,
    from dtks_blocks
    left join block_cards
        on block_cards.source_path = dtks_blocks.source_path
            and block_cards.sheet = dtks_blocks.sheet
            and block_cards.family_block = dtks_blocks.family_block
            and block_cards.kode_desa is not distinct from dtks_blocks.kode_desa
),

dtks_card_neighbours as (
    select
        *,
        lag(family_card) over file_order as card_above,
        lead(family_card) over file_order as card_below,
    from dtks_keyed
    window file_order as (
        partition by source_path, sheet
        order by row_number
    )
),

card_counts as (
    select
        family_card,
        count(*) as card_rows
    from dtks_keyed
    where family_card is not null
    group by family_card
),

person_on_card as (
    select distinct
        cluster_key,
        family_card
    from dtks_keyed
    where family_card is not null
),

typo_candidates as (
    -- rows whose own card only they carry, one digit from the card of an adjacent row
    select
        neighbours.record_key,
        neighbours.cluster_key,
        (neighbours.hubungan_keluarga is distinct from 'KEPALA KELUARGA') as is_member,
        case
            when length(neighbours.card_above) = 16 and hamming(neighbours.no_kk, neighbours.card_above) = 1
                then neighbours.card_above
            when length(neighbours.card_below) = 16 and hamming(neighbours.no_kk, neighbours.card_below) = 1
                and below.card_rows > 1 then neighbours.card_below
        end as neighbour_card,
    from dtks_card_neighbours as neighbours
    inner join card_counts as own on own.family_card = neighbours.no_kk
    left join card_counts as below on below.family_card = neighbours.card_below
    where own.card_rows = 1 and length(neighbours.no_kk) = 16
),

typo_decisions as (
    select
        typo_candidates.record_key,
        typo_candidates.neighbour_card,
        typo_candidates.is_member or person_on_card.cluster_key is not null as is_merged,
    from typo_candidates
    left join person_on_card
        on person_on_card.cluster_key = typo_candidates.cluster_key
            and person_on_card.family_card = typo_candidates.neighbour_card
    where typo_candidates.neighbour_card is not null
),

dtks_households as (
    select
        dtks_keyed.record_key,
        dtks_keyed.cluster_key,
        dtks_keyed.source,
        dtks_keyed.tanggal_update,
        dtks_keyed.source_path,
        dtks_keyed.row_number,
        dtks_keyed.hubungan_keluarga,
        coalesce(
            'KK' || case when typo_decisions.is_merged then typo_decisions.neighbour_card end,
            'KK' || dtks_keyed.family_card,
            'BLOCK' || dtks_keyed.block_key,
            'ROW' || dtks_keyed.record_key
        ) as household_key,
        case
            when typo_decisions.is_merged then 'no_kk_typo_neighbour'
            when dtks_keyed.no_kk is not null then 'no_kk'
            when dtks_keyed.family_card is not null or dtks_keyed.block_key is not null
                then 'neighbour_row_no_kk'
            else 'single_row'
        end as household_rule,
        case when not typo_decisions.is_merged then 'KK' || typo_decisions.neighbour_card end
            as card_typo_neighbour_household_key,
    from dtks_keyed
    left join typo_decisions using (record_key)
),

-- A family entered twice in one file (data ganda: two operators, or a block pasted twice, the
-- copy often on a mistyped card) is one household: two cards of one file whose KEPALA KELUARGA
-- is the same resolved person. The card listed first in the file stands for both. (A split
-- makes a new head, so a split-off card never has the parents' head.)
file_heads as (
    select
        dtks_households.source_path,
        dtks_households.cluster_key as head_cluster_key,
        dtks_households.household_key,
        min(dtks_households.row_number) as first_row,
    from dtks_households
    where dtks_households.hubungan_keluarga = 'KEPALA KELUARGA'
    group by all
),

pasted_families as (
    select
        household_key,
        -- a card in several such groups takes the smallest stand-in, so the mapping is one step
        min(stand_in_household_key) as stand_in_household_key,
    from (
        select
            household_key,
            first_value(household_key) over (
                partition by source_path, head_cluster_key
                order by first_row, household_key
            ) as stand_in_household_key,
        from file_heads
    )
    where stand_in_household_key <> household_key
    group by household_key
),

dtks_households_merged as (
    select
        dtks_households.* exclude (household_key, household_rule),
        dtks_households.household_key as card_household_key,
        coalesce(pasted_families.stand_in_household_key, dtks_households.household_key) as household_key,
        case when pasted_families.household_key is not null then 'family_entered_twice'
            else dtks_households.household_rule
        end as household_rule,
    from dtks_households
    left join pasted_families using (household_key)
)

select * from dtks_households_merged
