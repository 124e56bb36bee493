{#- Every canonical DTKS row (repeat deliveries left out) with the person and household that
    resolution placed it in, and `recency`: the order in which rows of one person or household
    speak (TANGGAL_UPDATE, then later path, sheet and row). "The latest row wins" everywhere
    downstream means arg_max(..., recency) over these rows. -#}
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
    || '|' || dtks.sheet || '|' || lpad(dtks.row_number::varchar, 9, '0') as recency,
from {{ ref('int_person_xref') }} as xref
inner join {{ ref('int_dtks__persons_cleaned') }} as dtks on dtks.row_key = xref.record_key
where xref.source = 'dtks' and xref.match_rule <> 'repeat_delivery'
