{#- Every canonical DTKS row (repeat deliveries left out) with the person and household that
    resolution placed it in, and `recency`: the order in which rows of one person or household
    speak (TANGGAL_UPDATE, then later path, sheet and row). "The latest row wins" everywhere
    downstream means arg_max(..., recency) over these rows. `recency` is an integer
    (macros/recency_key.sql). -#}
with

placed as (
    select
        xref.person_id,
        xref.household_id,
        xref.split_from_household_id,
        xref.household_rule,
        xref.card_typo_neighbour_household_id,
        dtks.row_key,
        dtks.source_path,
        dtks.sheet,
        dtks.row_number,
        dtks.no_kk,
        dtks.kode_desa,
        dtks.desil,
        dtks.tanggal_lahir,
        dtks.jenis_kelamin,
        dtks.is_alive,
        dtks.is_hamil,
        dtks.is_disabilitas,
        dtks.hubungan_keluarga,
        coalesce(dtks.tanggal_update, date '1900-01-01')::varchar || '|' || dtks.source_path
        || '|' || dtks.sheet || '|' as recency_prefix,
    from {{ ref('int_person_xref') }} as xref
    inner join {{ ref('int_dtks__persons_cleaned') }} as dtks on dtks.row_key = xref.record_key
    where xref.source = 'dtks' and xref.match_rule <> 'repeat_delivery'
),

-- the distinct prefixes (files x sheets x update dates: 32,238 for 1.1M rows at jember, eval kit
-- seed 3), ranked as strings
recency_prefixes as (
    {{ recency_prefix_ranks('placed') }}
)

select
    placed.* exclude (recency_prefix),
    {{ recency_key('recency_prefixes.prefix_rank', 'placed.row_number') }} as recency,
from placed
left join recency_prefixes using (recency_prefix)
