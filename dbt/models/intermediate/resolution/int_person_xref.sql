{#- One row per kept raw DTKS and PKH row (rows of a repeated delivery included: they take the
    person and household of the same row in the first delivery), with its stable person_id and
    household_id and the rule that placed it. Written to data/restricted/person_xref.parquet. -#}
with

records as (
    select * from {{ ref('int_person_records') }}
),

id_map as (
    select * from {{ ref('int_identity__id_map') }}
    where kind = 'member'
),

person_ids as (
    select
        record_key,
        id as person_id
    from id_map
    where entity = 'person'
),

household_ids as (
    -- household key -> id, through the DTKS rows that make up each household
    select distinct
        households.household_key,
        id_map.id as household_id,
    from {{ ref('int_households_clustered') }} as households
    inner join id_map
        on id_map.record_key = households.record_key and id_map.entity = 'household'
),

placed as (
    select
        households.record_key,
        household_ids.household_id,
        split_ids.household_id as split_from_household_id,
        typo_ids.household_id as card_typo_neighbour_household_id,
        households.household_rule,
    from {{ ref('int_households_clustered') }} as households
    left join household_ids using (household_key)
    left join household_ids as split_ids
        on split_ids.household_key = households.split_from_household_key
    left join household_ids as typo_ids
        on typo_ids.household_key = households.card_typo_neighbour_household_key
)

select
    records.source,
    records.source_path,
    records.sheet,
    records.row_number,
    records.record_key,
    records.canonical_record_key,
    person_ids.person_id,
    placed.household_id,
    placed.split_from_household_id,
    records.kode_desa,
    case
        when records.is_repeat_delivery then 'repeat_delivery'
        else clusters.match_rule
    end as match_rule,
    placed.household_rule,
    placed.card_typo_neighbour_household_id,
from records
left join person_ids on person_ids.record_key = records.canonical_record_key
left join placed on placed.record_key = records.canonical_record_key
left join {{ ref('int_persons_clustered') }} as clusters
    on clusters.record_key = records.canonical_record_key
