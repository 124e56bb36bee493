{#- Koperasi Desa Merah Putih formation progress: one row per village of the reference list
    (248 rows; the regency's target is the 226 desa, `is_target_desa`; kelurahan rows are kept
    and shown apart). A stage never goes backwards: the current stage is the highest reached,
    and a report that goes back is a flag. Each stage's date is the first report date at that
    stage or later. Days are counted up to the latest report date in the data (not today), so a
    re-run over the same files gives the same numbers. -#}

{#- The stages after the first (BELUM MULAI) of the koperasi_tahapan seed, in its order -#}
{%- set stages_after_first = koperasi_stages()[1:] -%}
with

villages as (
    select * from {{ ref('dim_wilayah') }}
),

stages as (
    select * from {{ ref('koperasi_tahapan') }}
),

final_stage as (
    select max(urutan) as urutan from stages
),

reports as (
    select * from {{ ref('int_koperasi__reports_sequenced') }}
),

-- the date the whole delivery speaks for: the latest report date of any village
as_of as (
    select max(tanggal_laporan) as as_of_date from reports
    where is_in_timeline
),

per_village as (
    select
        kode_desa,
        count(*) as reports,
        count(*) filter (where not is_in_timeline) as reports_outside_timeline,
        min(tanggal_laporan) filter (where is_in_timeline) as first_report_date,
        max(tanggal_laporan) filter (where is_in_timeline) as latest_report_date,
        max(tahapan_urutan) filter (where is_in_timeline) as tahapan_urutan,
        count(*) filter (where is_stage_regression) as stage_regressions,
        {%- for stage in stages_after_first %}
        min(tanggal_laporan) filter (where is_in_timeline and tahapan_urutan >= {{ stage.urutan }})
            as {{ stage.column }}_reached_date,
        {%- endfor %}
        -- the latest report's own values (the current report)
        bool_or(is_legal_docs_missing) filter (where is_latest_report) as latest_is_legal_docs_missing,
        bool_or(nomor_akta is not null) filter (where is_latest_report) as has_nomor_akta,
        bool_or(nomor_sk_ahu is not null) filter (where is_latest_report) as has_nomor_sk_ahu,
        -- the last known value: a later report may leave a field blank
        arg_max(jumlah_anggota, report_sequence) filter (where jumlah_anggota is not null)
            as jumlah_anggota,
        arg_max(unit_usaha, report_sequence) filter (where unit_usaha is not null) as unit_usaha,
        arg_max(unit_usaha_count, report_sequence) filter (where unit_usaha is not null)
            as unit_usaha_count,
        arg_max(modal_awal, report_sequence) filter (where modal_awal is not null) as modal_awal,
        arg_max(nomor_akta, report_sequence) filter (where nomor_akta is not null) as nomor_akta,
        arg_max(nomor_sk_ahu, report_sequence) filter (where nomor_sk_ahu is not null)
            as nomor_sk_ahu,
        arg_max(nama_koperasi, report_sequence) filter (where nama_koperasi is not null)
            as nama_koperasi,
    from reports
    group by kode_desa
),

progress as (
    select
        villages.kode_desa,
        villages.kode_kecamatan,
        villages.nama_kecamatan,
        villages.nama_desa,
        villages.jenis,
        not villages.is_kelurahan as is_target_desa,
        per_village.nama_koperasi,
        stages.tahapan,
        per_village.tahapan_urutan,
        -- the date the current stage was first reported (null without a dated report)
        case per_village.tahapan_urutan
            when 1 then per_village.first_report_date
            {%- for stage in stages_after_first %}
            when {{ stage.urutan }} then per_village.{{ stage.column }}_reached_date
            {%- endfor %}
        end as tahapan_reached_date,
        {%- for stage in stages_after_first %}
        per_village.{{ stage.column }}_reached_date,
        {%- endfor %}
        as_of.as_of_date,
        coalesce(per_village.reports, 0) as reports,
        coalesce(per_village.reports_outside_timeline, 0) as reports_outside_timeline,
        per_village.first_report_date,
        per_village.latest_report_date,
        coalesce(per_village.stage_regressions, 0) as stage_regressions,
        per_village.jumlah_anggota,
        per_village.unit_usaha,
        coalesce(per_village.unit_usaha_count, 0) as unit_usaha_count,
        per_village.modal_awal,
        per_village.nomor_akta,
        per_village.nomor_sk_ahu,
        coalesce(per_village.has_nomor_akta, false) as has_nomor_akta,
        coalesce(per_village.has_nomor_sk_ahu, false) as has_nomor_sk_ahu,
        coalesce(per_village.stage_regressions, 0) > 0 as has_stage_regression,
        -- at BADAN HUKUM or later (the highest stage reached: a report at it or later has a
        -- date), and either the current report, itself at BADAN HUKUM or later, lacks a number
        -- (the raw contract's rule, per report: mart_koperasi_reports.is_legal_docs_missing),
        -- or no report ever gave one: a current report gone back below BADAN HUKUM does not
        -- hide that the numbers never came
        coalesce(
            per_village.badan_hukum_reached_date is not null
            and (
                coalesce(per_village.latest_is_legal_docs_missing, false)
                or per_village.nomor_akta is null
                or per_village.nomor_sk_ahu is null
            ),
            false
        ) as is_legal_docs_missing,
        per_village.kode_desa is null as has_no_report,
        final_stage.urutan as final_tahapan_urutan,
    from villages
    cross join as_of
    cross join final_stage
    left join per_village on per_village.kode_desa = villages.kode_desa
    left join stages on stages.urutan = per_village.tahapan_urutan
)

select
    * exclude (final_tahapan_urutan),
    as_of_date - tahapan_reached_date as days_in_tahapan,
    -- stuck: longer than the configured number of days in one stage short of OPERASIONAL
    coalesce(
        tahapan_urutan < final_tahapan_urutan
        and as_of_date - tahapan_reached_date > {{ var('koperasi_stuck_days') }},
        false
    ) as is_stuck,
from progress
