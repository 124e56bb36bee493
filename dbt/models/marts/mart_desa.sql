{#- Counts per village. The counting rules live here and only here:
    - DTKS person = a resolved person (int_person_xref.person_id), counted in the village of
      their latest DTKS row (by TANGGAL_UPDATE), so a mover counts once, where they live now;
    - DTKS family = a resolved household (mart_household), counted in its village;
    - PKH family  = a distinct ID_PKH among non-repeat rows, over all years and stages.
    Rows whose village could not be matched are not here: see mart_region_match_summary. -#}
with

villages as (
    select * from {{ ref('dim_wilayah') }}
),

dtks_rows as (
    select * from {{ ref('int_dtks__persons_cleaned') }}
    where kode_desa is not null
),

dtks_row_counts as (
    select
        kode_desa,
        count(*) as dtks_rows,
        count(*) filter (where not is_repeat_delivery) as dtks_rows_first_delivery,
    from dtks_rows
    group by kode_desa
),

-- each resolved person's latest DTKS row
dtks_persons_current as (
    select
        xref.person_id,
        arg_max(
            dtks.kode_desa,
            coalesce(dtks.tanggal_update, date '1900-01-01')::varchar || '|' || dtks.source_path
            || '|' || lpad(dtks.row_number::varchar, 9, '0')
        ) as kode_desa,
    from {{ ref('int_person_xref') }} as xref
    inner join {{ ref('int_dtks__persons_cleaned') }} as dtks on dtks.row_key = xref.record_key
    where xref.source = 'dtks' and not dtks.is_repeat_delivery
    group by xref.person_id
),

dtks_person_counts as (
    select kode_desa, count(*) as dtks_persons
    from dtks_persons_current
    where kode_desa is not null
    group by kode_desa
),

dtks_family_counts as (
    select kode_desa, count(*) as dtks_families
    from {{ ref('mart_household') }}
    where kode_desa is not null
    group by kode_desa
),

dtks_counts as (
    select
        villages.kode_desa,
        dtks_row_counts.dtks_rows,
        dtks_row_counts.dtks_rows_first_delivery,
        dtks_person_counts.dtks_persons,
        dtks_family_counts.dtks_families,
    from villages
    left join dtks_row_counts using (kode_desa)
    left join dtks_person_counts using (kode_desa)
    left join dtks_family_counts using (kode_desa)
),

pkh_rows as (
    select * from {{ ref('int_pkh__disbursements_cleaned') }}
    where kode_desa is not null
),

pkh_counts as (
    select
        kode_desa,
        count(*) as pkh_rows,
        count(distinct id_pkh) filter (where not is_repeat_delivery) as pkh_families,
        sum(nominal) filter (where not is_repeat_delivery) as pkh_nominal_rp,
    from pkh_rows
    group by kode_desa
),

-- BPS population: the latest year delivered for the village; on a tie the file whose path
-- sorts last, then the later row
bps_latest as (
    select *
    from {{ ref('int_bps__population_cleaned') }}
    where kode_desa is not null and not is_repeat_delivery
    qualify row_number() over (
        partition by kode_desa
        order by tahun desc nulls last, source_path desc, sheet desc, row_number desc
    ) = 1
),

-- Koperasi reports in report order (TANGGAL_LAPORAN; on a tie the file whose path sorts
-- last, then the later row), each with the highest stage any earlier report reached
koperasi_reports as (
    select
        *,
        max(tahapan_urutan) over (
            partition by kode_desa
            order by tanggal_laporan, source_path, sheet, row_number
            rows between unbounded preceding and 1 preceding
        ) as earlier_tahapan_urutan,
    from {{ ref('int_koperasi__reports_cleaned') }}
    where kode_desa is not null and not is_repeat_delivery
),

-- A stage never goes backwards, so the current stage is the highest reached; a report that
-- goes back stays visible as a flag
koperasi_progress as (
    select
        kode_desa,
        max(tahapan_urutan) as koperasi_tahapan_urutan,
        max(tanggal_laporan) as koperasi_tanggal_laporan_terakhir,
        count(*) as koperasi_reports,
        coalesce(bool_or(tahapan_urutan < earlier_tahapan_urutan), false)
            as koperasi_has_stage_regression,
        -- BADAN HUKUM or later must carry NOMOR_AKTA and NOMOR_SK_AHU in some report
        max(tahapan_urutan) >= 7
            and (count(nomor_akta) = 0 or count(nomor_sk_ahu) = 0)
            as koperasi_lacks_legal_documents,
    from koperasi_reports
    group by kode_desa
),

stages as (
    select * from {{ ref('koperasi_tahapan') }}
)

select
    villages.kode_desa,
    villages.kode_kecamatan,
    villages.nama_kecamatan,
    villages.nama_desa,
    villages.jenis,
    coalesce(dtks_counts.dtks_rows, 0) as dtks_rows,
    coalesce(dtks_counts.dtks_rows_first_delivery, 0) as dtks_rows_first_delivery,
    coalesce(dtks_counts.dtks_persons, 0) as dtks_persons,
    coalesce(dtks_counts.dtks_families, 0) as dtks_families,
    coalesce(pkh_counts.pkh_rows, 0) as pkh_rows,
    coalesce(pkh_counts.pkh_families, 0) as pkh_families,
    coalesce(pkh_counts.pkh_nominal_rp, 0) as pkh_nominal_rp,
    bps_latest.tahun as bps_tahun,
    bps_latest.penduduk_l as bps_penduduk_l,
    bps_latest.penduduk_p as bps_penduduk_p,
    bps_latest.penduduk_l + bps_latest.penduduk_p as bps_penduduk,
    bps_latest.jumlah_kk as bps_jumlah_kk,
    bps_latest.luas_km2 as bps_luas_km2,
    stages.tahapan as koperasi_tahapan,
    koperasi_progress.koperasi_tahapan_urutan,
    koperasi_progress.koperasi_tanggal_laporan_terakhir,
    coalesce(koperasi_progress.koperasi_reports, 0) as koperasi_reports,
    coalesce(koperasi_progress.koperasi_has_stage_regression, false)
        as koperasi_has_stage_regression,
    coalesce(koperasi_progress.koperasi_lacks_legal_documents, false)
        as koperasi_lacks_legal_documents,
from villages
left join dtks_counts on dtks_counts.kode_desa = villages.kode_desa
left join pkh_counts on pkh_counts.kode_desa = villages.kode_desa
left join bps_latest on bps_latest.kode_desa = villages.kode_desa
left join koperasi_progress on koperasi_progress.kode_desa = villages.kode_desa
left join stages on stages.urutan = koperasi_progress.koperasi_tahapan_urutan
