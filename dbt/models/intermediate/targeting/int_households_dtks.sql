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
        *,
        count(*) over (partition by person_id, source_path, sheet) as person_rows_in_file,
    from {{ ref('int_dtks_rows_placed') }}
    where household_id is not null
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
