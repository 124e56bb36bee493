{#- Koperasi reports placed in each village's timeline. One row per kept, village-matched
    report row that is not a repeat delivery (a file delivered twice counts once).
    Report order (raw file contract): TANGGAL_LAPORAN; on a tie the file whose path sorts
    last, then the later row. A report without a readable date or stage cannot be placed in
    the timeline: it is kept here with `is_in_timeline = false` and counted, never used to
    decide a stage. -#}
with

badan_hukum as (
    select urutan from {{ ref('koperasi_tahapan') }}
    where tahapan = 'BADAN HUKUM'
),

reports as (
    select * from {{ ref('int_koperasi__reports_cleaned') }}
    where kode_desa is not null and not is_repeat_delivery
),

timeline as (
    select
        row_key,
        row_number() over village_order as report_sequence,
        count(*) over (partition by kode_desa) as timeline_reports,
        max(tahapan_urutan) over (
            village_order rows between unbounded preceding and 1 preceding
        ) as earlier_tahapan_urutan,
    from reports
    where tanggal_laporan is not null and tahapan_urutan is not null
    window village_order as (
        partition by kode_desa
        order by tanggal_laporan, source_path, sheet, row_number
    )
),

sequenced as (
    select
        reports.row_key,
        reports.kode_desa,
        reports.source_path,
        reports.sheet,
        reports.row_number,
        reports.tanggal_laporan,
        reports.tahapan_raw,
        reports.tahapan,
        reports.tahapan_urutan,
        timeline.row_key is not null as is_in_timeline,
        timeline.report_sequence,
        timeline.report_sequence = timeline.timeline_reports as is_latest_report,
        timeline.earlier_tahapan_urutan,
        -- a stage never goes backwards: the village stays at the highest stage reached so far
        case
            when timeline.row_key is not null
                then greatest(reports.tahapan_urutan, coalesce(timeline.earlier_tahapan_urutan, 0))
        end as highest_tahapan_urutan_so_far,
        coalesce(reports.tahapan_urutan < timeline.earlier_tahapan_urutan, false)
            as is_stage_regression,
        timeline.row_key is not null
        and reports.tahapan_urutan > coalesce(timeline.earlier_tahapan_urutan, 0)
            as is_stage_advance,
        reports.nama_koperasi,
        reports.jumlah_anggota,
        reports.unit_usaha,
        -- UNIT_USAHA is a list separated by `;` or `,`; a unit listed twice is one unit
        case
            when reports.unit_usaha is not null
                then len(list_distinct(list_filter(
                        list_transform(
                            string_split_regex(reports.unit_usaha, '[;,]'),
                            lambda unit: upper(regexp_replace(trim(unit), '\s+', ' ', 'g'))
                        ),
                        lambda unit: unit != ''
                    )))
        end as unit_usaha_count,
        reports.modal_awal,
        reports.tanggal_musdesus,
        reports.nomor_akta,
        reports.tanggal_akta,
        reports.nomor_sk_ahu,
        reports.tanggal_sk,
        -- BADAN HUKUM (SK from the ministry) or later must carry NOMOR_AKTA and NOMOR_SK_AHU
        coalesce(reports.tahapan_urutan >= badan_hukum.urutan, false)
        and (reports.nomor_akta is null or reports.nomor_sk_ahu is null)
            as is_legal_docs_missing,
    from reports
    left join timeline on timeline.row_key = reports.row_key
    cross join badan_hukum
)

select * from sequenced
