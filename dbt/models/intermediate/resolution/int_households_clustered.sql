{#- One row per canonical DTKS or PKH record with its household key (internal to the run;
    stable household ids come from int_identity__id_map).

    DTKS: the family card (NO_KK) is the household. A row whose NO_KK is unusable (empty,
    scientific notation, wrong length) joins the family of its neighbour rows in the same
    file and village (files list a family's members together): a KEPALA KELUARGA starts a
    family, so it takes the next row's card, anyone else the previous row's.
    A family split or a move puts a person on a new NO_KK: that is a new household, and
    `split_from_household_key` names the household the person was in before (the other
    household of the same resolved person whose rows are older by TANGGAL_UPDATE).

    PKH: the household of its NO_KK when DTKS knows that card; else the one most rows of the
    same ID_PKH have; else the DTKS household of the recipient; else none. -#}
with

records as (
    select
        records.*,
        clusters.cluster_key,
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('int_persons_clustered') }} as clusters using (record_key)
    where not records.is_repeat_delivery
),

dtks_neighbours as (
    select
        *,
        last_value(case when no_kk is not null then kode_desa || '|' || no_kk end ignore nulls) over (
            partition by source_path, sheet order by row_number
            rows between unbounded preceding and 1 preceding
        ) as previous_card,
        first_value(case when no_kk is not null then kode_desa || '|' || no_kk end ignore nulls) over (
            partition by source_path, sheet order by row_number
            rows between 1 following and unbounded following
        ) as next_card,
    from records
    where source = 'dtks'
),

dtks_keyed as (
    select
        *,
        case
            when no_kk is not null then no_kk
            when hubungan_keluarga = 'KEPALA KELUARGA'
                and split_part(next_card, '|', 1) = kode_desa then split_part(next_card, '|', 2)
            when hubungan_keluarga is distinct from 'KEPALA KELUARGA'
                and split_part(previous_card, '|', 1) = kode_desa then split_part(previous_card, '|', 2)
        end as family_card,
    from dtks_neighbours
),

dtks_households as (
    select
        record_key,
        cluster_key,
        source,
        tanggal_update,
        coalesce('KK' || family_card, 'ROW' || record_key) as household_key,
        case
            when no_kk is not null then 'no_kk'
            when family_card is not null then 'neighbour_row_no_kk'
            else 'single_row'
        end as household_rule,
    from dtks_keyed
),

-- a person on two cards: the card whose rows are older is the one split from
person_cards as (
    select
        cluster_key,
        household_key,
        min(tanggal_update) as first_update,
    from dtks_households
    group by all
),

split_parents as (
    select
        child.household_key,
        arg_min(parent.household_key, parent.first_update) as split_from_household_key,
    from person_cards as child
    inner join person_cards as parent
        on parent.cluster_key = child.cluster_key
        and parent.household_key <> child.household_key
        and parent.first_update < child.first_update
    group by child.household_key
),

known_cards as (
    select distinct household_key from dtks_households
),

recipient_households as (
    -- the recipient's latest DTKS household
    select
        cluster_key,
        arg_max(household_key, coalesce(tanggal_update, date '1900-01-01')) as household_key,
    from dtks_households
    group by cluster_key
),

pkh_by_card as (
    select
        pkh.record_key,
        pkh.id_pkh,
        pkh.cluster_key,
        known_cards.household_key as card_household_key,
    from records as pkh
    left join known_cards on known_cards.household_key = 'KK' || pkh.no_kk
    where pkh.source = 'pkh'
),

id_pkh_households as (
    select
        id_pkh,
        mode(card_household_key) as household_key,
    from pkh_by_card
    where card_household_key is not null
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
    from pkh_by_card
    left join id_pkh_households using (id_pkh)
    left join recipient_households using (cluster_key)
),

all_households as (
    select * from dtks_households
    union all
    select * from pkh_households
)

select
    all_households.record_key,
    all_households.source,
    all_households.household_key,
    all_households.household_rule,
    split_parents.split_from_household_key,
from all_households
left join split_parents using (household_key)
