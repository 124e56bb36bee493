{#- One row per canonical DTKS or PKH record with its household key (internal to the run;
    stable household ids come from int_identity__id_map).

    DTKS: the household int_households_dtks_cards gives the record (its family card, mended
    for unusable and mistyped cards and for families entered twice).
    A family split or a move puts a person on a new NO_KK: that is a new household, and
    `split_from_household_key` names the household the person was in before (the other
    household of the same resolved person whose rows are older by TANGGAL_UPDATE).

    PKH: the household of its NO_KK when DTKS knows that card; else the one most rows of the
    same ID_PKH have; else the DTKS household of the recipient; else none. -#}
with

dtks_households_merged as (
    select * from {{ ref('int_households_dtks_cards') }}
),

pkh_records as (
    select
        records.record_key,
        records.id_pkh,
        records.no_kk,
        clusters.cluster_key,
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('int_persons_clustered') }} as clusters using (record_key)
    where records.source = 'pkh' and not records.is_repeat_delivery
),

-- a person on two cards: the card whose rows are older is the one split from (equal dates:
-- the smallest household key, so a tie never picks by chance; by the first update alone, 9
-- households of the province run named another parent from one run to the next)
person_cards as (
    select
        cluster_key,
        household_key,
        min(tanggal_update) as first_update,
    from dtks_households_merged
    group by all
),

split_parents as (
    select
        child.household_key,
        arg_min(parent.household_key, (parent.first_update, parent.household_key)) as split_from_household_key,
    from person_cards as child
    inner join person_cards as parent
        on parent.cluster_key = child.cluster_key
            and parent.household_key <> child.household_key
            and parent.first_update < child.first_update
    group by child.household_key
),

known_cards as (
    select distinct
        card_household_key,
        household_key
    from dtks_households_merged
),

recipient_households as (
    -- the recipient's latest DTKS household (TANGGAL_UPDATE, then later path and row: a total
    -- order, so equal dates never pick by chance)
    select
        cluster_key,
        arg_max(
            household_key, (coalesce(tanggal_update, date '1900-01-01'), source_path, row_number, household_key)
        ) as household_key,
    from dtks_households_merged
    group by cluster_key
),

pkh_by_card as (
    select
        pkh.record_key,
        pkh.id_pkh,
        pkh.cluster_key,
        known_cards.household_key as card_household_key,
    from pkh_records as pkh
    left join known_cards on known_cards.card_household_key = 'KK' || pkh.no_kk
),

id_pkh_households as (
    -- the household most rows of the ID_PKH name by their card (equal counts: the smallest
    -- key, so a tie never picks by chance as mode() does)
    select
        id_pkh,
        arg_min(card_household_key, (-rows_on_card, card_household_key)) as household_key,
    from (
        select
            id_pkh,
            card_household_key,
            count(*) as rows_on_card,
        from pkh_by_card
        where card_household_key is not null
        group by id_pkh, card_household_key
    )
    group by id_pkh
),

pkh_households as (
    select
        pkh_by_card.record_key,
        pkh_by_card.cluster_key,
        'pkh' as source,
        cast(null as date) as tanggal_update,
        coalesce(
            pkh_by_card.card_household_key,
            id_pkh_households.household_key,
            recipient_households.household_key
        ) as household_key,
        case
            when pkh_by_card.card_household_key is not null then 'no_kk'
            when id_pkh_households.household_key is not null then 'id_pkh'
            when recipient_households.household_key is not null then 'recipient'
            else 'none'
        end as household_rule,
        cast(null as varchar) as card_typo_neighbour_household_key,
    from pkh_by_card
    left join id_pkh_households using (id_pkh)
    left join recipient_households using (cluster_key)
),

all_households as (
    select * exclude (source_path, row_number, hubungan_keluarga, card_household_key)
    from dtks_households_merged
    union all by name
    select * from pkh_households
)

select
    all_households.record_key,
    all_households.source,
    all_households.household_key,
    all_households.household_rule,
    split_parents.split_from_household_key,
    all_households.card_typo_neighbour_household_key,
from all_households
left join split_parents using (household_key)
