{#- One row per resolved DTKS household: where it lives and its desil. The latest DTKS row of
    the household (TANGGAL_UPDATE, then later path, then later row) decides village and desil;
    disagreement among its rows stays visible as a flag. `is_composition_uncertain`: who
    belongs to the household is itself uncertain, because a member's family card was taken
    from a neighbour row (their own NO_KK was unusable), or one resolved person holds two rows
    of the same file (a file lists a person once, so these may be two people). Component counts
    are not checked against such a household. -#}
with

rows_placed as (
    select
        xref.household_id,
        xref.split_from_household_id,
        xref.household_rule,
        count(*) over (partition by xref.person_id, dtks.source_path, dtks.sheet) as person_rows_in_file,
        dtks.kode_desa,
        dtks.desil,
        coalesce(dtks.tanggal_update, date '1900-01-01')::varchar || '|' || dtks.source_path
            || '|' || dtks.sheet || '|' || lpad(dtks.row_number::varchar, 9, '0') as recency,
    from {{ ref('int_person_xref') }} as xref
    inner join {{ ref('int_dtks__persons_cleaned') }} as dtks on dtks.row_key = xref.record_key
    where xref.source = 'dtks'
        and xref.match_rule <> 'repeat_delivery'
        and xref.household_id is not null
)

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
    bool_or(household_rule = 'neighbour_row_no_kk') or max(person_rows_in_file) > 1
        as is_composition_uncertain,
from rows_placed
group by household_id
