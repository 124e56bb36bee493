{#- One row per PKH family (ID_PKH) on the lists of the PKH year (int_pkh_year.pkh_tahun),
    repeat deliveries left out, with what the lists say and what DTKS says about the same
    family. `household_id` is the resolved DTKS household most of its rows point to (through
    NO_KK, ID_PKH or the recipient; NULL when none); `recipient_person_id` the resolved person
    most of its rows name as recipient. Expected rupiah per stage: the written component counts
    priced from the pkh_komponen seed, the four highest-paid members, a quarter of the year.
    Money and paid stages count each stage once: a row pasted twice in one file
    (is_duplicate_disbursement) is left out and counted in duplicate_disbursement_rows, and a
    stage listed again with another amount (a corrected re-send) counts with its latest row
    (stages_listed_again), so paid stages never exceed listed stages. -#}
with

pkh_year as (
    select * from {{ ref('int_pkh_year') }}
),

komponen as (
    select * from {{ ref('pkh_komponen') }}
),

pkh_rows as (
    select
        pkh.row_key,
        pkh.source_path,
        pkh.id_pkh,
        pkh.kode_desa,
        pkh.tahap,
        pkh.status_kpm,
        pkh.nominal,
        case when pkh.is_no_kk_valid then pkh.no_kk end as no_kk,
        {%- for k in pkh_components() %}
        pkh.jumlah_{{ k }},
        {%- endfor %}
        pkh.row_number,
        xref.person_id,
        xref.household_id,
        lpad(coalesce(pkh.tahap, 0)::varchar, 2, '0') || '|' || pkh.source_path || '|'
        || pkh.sheet || '|' as recency_prefix,
    from {{ ref('int_pkh__disbursements_cleaned') }} as pkh
    cross join pkh_year
    inner join {{ ref('int_person_xref') }} as xref on xref.record_key = pkh.row_key
    where not pkh.is_repeat_delivery
        and not pkh.is_duplicate_disbursement
        and pkh.id_pkh is not null
        and pkh.tahun = pkh_year.pkh_tahun
),

-- `recency`, the order in which a family's rows speak: the stage, then later path, sheet and
-- row (macros/recency_key.sql)
recency_prefixes as (
    {{ recency_prefix_ranks('pkh_rows') }}
),

pkh_rows_ranked as (
    select
        pkh_rows.* exclude (recency_prefix, row_number),
        {{ recency_key('recency_prefixes.prefix_rank', 'pkh_rows.row_number') }} as recency,
    from pkh_rows
    left join recency_prefixes using (recency_prefix)
),

duplicates as (
    select
        pkh.id_pkh,
        count(*) as duplicate_disbursement_rows,
    from {{ ref('int_pkh__disbursements_cleaned') }} as pkh
    cross join pkh_year
    where pkh.is_duplicate_disbursement
        and not pkh.is_repeat_delivery
        and pkh.tahun = pkh_year.pkh_tahun
    group by pkh.id_pkh
),

-- each row's components as member slots priced from the seed: the four best paid count
slots as (
    select
        counts.row_key,
        komponen.nominal_tahunan_rp,
        row_number() over (
            partition by counts.row_key
            order by komponen.nominal_tahunan_rp desc, komponen.prioritas asc
        ) as slot,
    from (
        unpivot (select row_key, {{ pkh_component_count_columns() }} from pkh_rows_ranked)
        on {{ pkh_component_count_columns() }}
        into name kolom value jumlah
    ) as counts
    inner join komponen on komponen.komponen = replace(counts.kolom, 'jumlah_', '')
    cross join lateral (select unnest(range(least(counts.jumlah, 50)::bigint))) as member_slot (i)
    where counts.jumlah > 0
),

expected as (
    select
        row_key,
        sum(nominal_tahunan_rp) filter (where slot <= 4) / 4 as expected_stage_rp,
    from slots
    group by row_key
),

rows_checked as (
    select
        pkh_rows_ranked.*,
        coalesce(expected.expected_stage_rp, 0) as expected_stage_rp,
        pkh_rows_ranked.nominal > 0
        and abs(pkh_rows_ranked.nominal - coalesce(expected.expected_stage_rp, 0)) > 1
            as is_rupiah_mismatch,
    from pkh_rows_ranked
    left join expected using (row_key)
),

-- one amount per family and stage: its latest row (a row without a stage stands alone)
stages as (
    select
        id_pkh,
        tahap,
        arg_max(nominal, recency) as stage_nominal,
        count(*) as stage_rows,
    from rows_checked
    group by id_pkh, tahap, case when tahap is null then row_key end
),

stage_totals as (
    select
        id_pkh,
        coalesce(sum(stage_nominal), 0) as nominal_rp,
        count(*) filter (where stage_nominal > 0 and tahap is not null) as stages_paid,
        count(*) filter (where stage_rows > 1 and tahap is not null) as stages_listed_again,
    from stages
    group by id_pkh
),

-- the household and recipient most rows point to; on a tie the smaller id (deterministic)
household_votes as (
    select
        id_pkh,
        household_id
    from rows_checked
    where household_id is not null
    group by id_pkh, household_id
    qualify row_number() over (
            partition by id_pkh
            order by count(*) desc, household_id
        ) = 1
),

recipient_votes as (
    select
        id_pkh,
        person_id as recipient_person_id
    from rows_checked
    where person_id is not null
    group by id_pkh, person_id
    qualify row_number() over (
            partition by id_pkh
            order by count(*) desc, person_id
        ) = 1
),

families as (
    select
        id_pkh,
        arg_max(kode_desa, recency) filter (where kode_desa is not null) as kode_desa,
        arg_max(status_kpm, recency) as status_kpm,
        arg_max(no_kk, recency) filter (where no_kk is not null) as no_kk,
        {%- for k in pkh_components() %}
        arg_max(jumlah_{{ k }}, recency) as jumlah_{{ k }},
        {%- endfor %}
        -- the counts the family was last paid on: a stage not paid (GRADUASI, NON AKTIF,
        -- NOMINAL 0) may write its components as blank or 0, which says nothing about the
        -- members; NULL when no stage was paid
        {%- for k in pkh_components() %}
        arg_max(jumlah_{{ k }}, recency) filter (where nominal > 0) as paid_jumlah_{{ k }},
        {%- endfor %}
        count(*) as pkh_rows,
        count(distinct tahap) as stages_listed,
        arg_max(expected_stage_rp, recency) as expected_stage_rp,
        bool_or(is_rupiah_mismatch) as has_rupiah_mismatch,
        count(*) filter (where is_rupiah_mismatch) as stages_rupiah_mismatch,
        max(nominal) filter (where is_rupiah_mismatch) as nominal_mismatch_rp,
        -- the delivered files behind a mismatch, for the report (restricted: not in marts)
        list(
            distinct source_path
            order by source_path) filter (where is_rupiah_mismatch)
            as rupiah_mismatch_files,
        bool_or(status_kpm = 'AKTIF') or bool_or(nominal > 0) as is_in_programme,
        bool_or(nominal > 0) as is_paid,
    from rows_checked
    group by id_pkh
)

select
    pkh_year.pkh_tahun as tahun,
    families.*,
    stage_totals.stages_paid,
    stage_totals.nominal_rp,
    stage_totals.stages_listed_again,
    coalesce(duplicates.duplicate_disbursement_rows, 0) as duplicate_disbursement_rows,
    household_votes.household_id,
    recipient_votes.recipient_person_id,
from families
cross join pkh_year
inner join stage_totals using (id_pkh)
left join duplicates using (id_pkh)
left join household_votes using (id_pkh)
left join recipient_votes using (id_pkh)
