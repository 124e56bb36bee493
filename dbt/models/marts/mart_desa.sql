{#- One row per village of the reference list (always 248). The counting rules live here:
    - DTKS person = a resolved person (int_person_xref.person_id), counted in the village of
      their latest DTKS row (by TANGGAL_UPDATE), so a mover counts once, where they live now;
    - DTKS family = a resolved household (mart_household), counted in its village;
    - PKH family = a distinct ID_PKH among non-repeat rows (pkh_families: all years and stages;
      *_tahun_ini: the PKH year of int_reporting_period, placed by its latest row);
    - coverage: DTKS households of desil 1-2 (1-4) that a PKH family of the year points to,
      over all DTKS households of desil 1-2 (1-4);
    - targeting problems: families per kind from int_targeting_cases;
    - koperasi: mart_koperasi_progress (the current stage is the highest reached);
    - data quality: over the village's non-repeat DTKS rows, and all rows placed in it.
    Rows whose village could not be matched are not here: see mart_region_match_summary. -#}
{%- set components = pkh_components() -%}
{%- set kinds = [
    ('inclusion', 'inclusion_candidates'), ('exclusion', 'exclusion_candidates'),
    ('duplicate_aid', 'duplicate_aid_cases'), ('deceased_recipient', 'deceased_recipients'),
    ('component_mismatch', 'component_mismatches'),
] -%}
with

villages as (
    select * from {{ ref('dim_wilayah') }}
),

period as (
    select * from {{ ref('int_reporting_period') }}
),

dtks_row_counts as (
    select
        kode_desa,
        count(*) as dtks_rows,
        count(*) filter (where not is_repeat_delivery) as dtks_rows_first_delivery,
        count(*) filter (where not is_repeat_delivery and is_nik_valid) as dtks_rows_nik_valid,
        count(*) filter (where not is_repeat_delivery and is_padan) as dtks_rows_padan,
    from {{ ref('int_dtks__persons_cleaned') }}
    where kode_desa is not null
    group by kode_desa
),

-- each resolved person's latest DTKS row, and how many rows of each village they hold
dtks_person_rows as (
    select person_id, kode_desa, recency from {{ ref('int_dtks_rows_placed') }}
),

dtks_person_counts as (
    select kode_desa, count(*) as dtks_persons
    from (
        select person_id, arg_max(kode_desa, recency) as kode_desa
        from dtks_person_rows
        group by person_id
    )
    where kode_desa is not null
    group by kode_desa
),

-- rows that resolution merged into a person already listed in the same village
dtks_duplicates as (
    select kode_desa, count(*) - count(distinct person_id) as dtks_duplicates_merged
    from dtks_person_rows
    where kode_desa is not null
    group by kode_desa
),

households as (
    select * from {{ ref('mart_household') }}
    where kode_desa is not null
),

household_counts as (
    select
        kode_desa,
        count(*) as dtks_families,
        {%- for d in range(1, 11) %}
        count(*) filter (where desil = {{ d }}) as dtks_families_desil_{{ d }},
        {%- endfor %}
        count(*) filter (where desil is null) as dtks_families_desil_unknown,
        count(*) filter (where desil between 1 and 2) as dtks_families_desil_1_2,
        count(*) filter (where desil between 1 and 4) as dtks_families_desil_1_4,
        coalesce(sum(member_count) filter (where desil between 1 and 2), 0) as dtks_persons_desil_1_2,
        coalesce(sum(member_count) filter (where desil between 1 and 4), 0) as dtks_persons_desil_1_4,
        count(*) filter (where desil between 1 and 2 and is_pkh_recipient) as pkh_families_desil_1_2,
        count(*) filter (where desil between 1 and 4 and is_pkh_recipient) as pkh_families_desil_1_4,
    from households
    group by kode_desa
),

pkh_counts as (
    select
        kode_desa,
        count(*) as pkh_rows,
        count(distinct id_pkh) filter (where not is_repeat_delivery) as pkh_families,
        -- a row pasted twice in one file is paid once (int_pkh__disbursements_cleaned)
        sum(nominal) filter (where not is_repeat_delivery and not is_duplicate_disbursement) as pkh_nominal_rp,
    from {{ ref('int_pkh__disbursements_cleaned') }}
    where kode_desa is not null
    group by kode_desa
),

pkh_year_counts as (
    select
        kode_desa,
        count(*) as pkh_families_tahun_ini,
        count(*) filter (where is_paid) as pkh_families_paid_tahun_ini,
        sum(nominal_rp) as pkh_nominal_rp_tahun_ini,
        {%- for k in components %}
        sum(jumlah_{{ k }}) as pkh_komponen_{{ k }},
        {%- endfor %}
    from {{ ref('int_pkh_families') }}
    where kode_desa is not null
    group by kode_desa
),

case_counts as (
    select
        kode_desa,
        {%- for kind, column in kinds %}
        count(distinct family_key) filter (where kind = '{{ kind }}') as {{ column }},
        {%- endfor %}
    from {{ ref('int_targeting_cases') }}
    where kode_desa is not null
    group by kode_desa
),

-- rows dbt rejected (nothing identifies anyone), placed by their region text where it matches
rejected_counts as (
    select kode_desa, count(*) as rows_rejected
    from (
        {%- for model in ['stg_dtks__persons', 'stg_pkh__disbursements'] %}
        select region_matches.kode_desa
        from {{ ref(model) }} as rows_in
        {{ join_region_match() }}
        where rows_in.rejection_reason is not null
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    )
    where kode_desa is not null
    group by kode_desa
),

placed_rows as (
    select kode_desa, desa_match_method from {{ ref('int_dtks__persons_cleaned') }} where not is_repeat_delivery
    union all
    select kode_desa, desa_match_method from {{ ref('int_pkh__disbursements_cleaned') }} where not is_repeat_delivery
    union all
    select kode_desa, desa_match_method from {{ ref('int_koperasi__reports_cleaned') }} where not is_repeat_delivery
    union all
    select kode_desa, desa_match_method from {{ ref('int_bps__population_cleaned') }} where not is_repeat_delivery
),

match_counts as (
    select
        kode_desa,
        count(*) as rows_placed,
        count(*) filter (where desa_match_method = 'fuzzy') as rows_village_fuzzy_match,
    from placed_rows
    where kode_desa is not null
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

koperasi as (
    select * from {{ ref('mart_koperasi_progress') }}
),

counts as (
    select
        villages.kode_desa,
        villages.kode_kecamatan,
        villages.nama_kecamatan,
        villages.nama_desa,
        villages.jenis,
        period.period,
        {%- for column in ['dtks_rows', 'dtks_rows_first_delivery'] %}
        coalesce(dtks_row_counts.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        coalesce(dtks_person_counts.dtks_persons, 0) as dtks_persons,
        coalesce(household_counts.dtks_families, 0) as dtks_families,
        {%- for d in range(1, 11) %}
        coalesce(household_counts.dtks_families_desil_{{ d }}, 0) as dtks_families_desil_{{ d }},
        {%- endfor %}
        {%- for column in ['dtks_families_desil_unknown', 'dtks_families_desil_1_2', 'dtks_families_desil_1_4',
                           'dtks_persons_desil_1_2', 'dtks_persons_desil_1_4'] %}
        coalesce(household_counts.{{ column }}, 0)::bigint as {{ column }},
        {%- endfor %}
        coalesce(pkh_counts.pkh_rows, 0) as pkh_rows,
        coalesce(pkh_counts.pkh_families, 0) as pkh_families,
        coalesce(pkh_counts.pkh_nominal_rp, 0) as pkh_nominal_rp,
        period.pkh_tahun,
        coalesce(pkh_year_counts.pkh_families_tahun_ini, 0) as pkh_families_tahun_ini,
        coalesce(pkh_year_counts.pkh_families_paid_tahun_ini, 0) as pkh_families_paid_tahun_ini,
        coalesce(pkh_year_counts.pkh_nominal_rp_tahun_ini, 0) as pkh_nominal_rp_tahun_ini,
        {%- for k in components %}
        coalesce(pkh_year_counts.pkh_komponen_{{ k }}, 0)::bigint as pkh_komponen_{{ k }},
        {%- endfor %}
        coalesce(household_counts.pkh_families_desil_1_2, 0) as pkh_families_desil_1_2,
        coalesce(household_counts.pkh_families_desil_1_4, 0) as pkh_families_desil_1_4,
        {%- for kind, column in kinds %}
        coalesce(case_counts.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        bps_latest.tahun as bps_tahun,
        bps_latest.penduduk_l as bps_penduduk_l,
        bps_latest.penduduk_p as bps_penduduk_p,
        bps_latest.penduduk_l + bps_latest.penduduk_p as bps_penduduk,
        bps_latest.jumlah_kk as bps_jumlah_kk,
        bps_latest.luas_km2 as bps_luas_km2,
        koperasi.tahapan as koperasi_tahapan,
        koperasi.tahapan_urutan as koperasi_tahapan_urutan,
        koperasi.tahapan_reached_date as koperasi_tahapan_tanggal,
        koperasi.days_in_tahapan as koperasi_hari_di_tahapan,
        koperasi.latest_report_date as koperasi_tanggal_laporan_terakhir,
        koperasi.reports as koperasi_reports,
        koperasi.jumlah_anggota as koperasi_anggota,
        koperasi.unit_usaha as koperasi_unit_usaha,
        koperasi.unit_usaha_count as koperasi_unit_usaha_count,
        koperasi.has_nomor_akta as koperasi_has_nomor_akta,
        koperasi.has_nomor_sk_ahu as koperasi_has_nomor_sk_ahu,
        koperasi.has_stage_regression as koperasi_has_stage_regression,
        koperasi.is_legal_docs_missing as koperasi_lacks_legal_documents,
        koperasi.is_stuck as koperasi_is_stuck,
        coalesce(dtks_row_counts.dtks_rows_nik_valid, 0) as dtks_rows_nik_valid,
        coalesce(dtks_row_counts.dtks_rows_padan, 0) as dtks_rows_padan,
        coalesce(dtks_duplicates.dtks_duplicates_merged, 0) as dtks_duplicates_merged,
        coalesce(rejected_counts.rows_rejected, 0) as rows_rejected,
        coalesce(match_counts.rows_village_fuzzy_match, 0) as rows_village_fuzzy_match,
        coalesce(match_counts.rows_placed, 0) as rows_placed,
    from villages
    cross join period
    left join dtks_row_counts on dtks_row_counts.kode_desa = villages.kode_desa
    left join dtks_person_counts on dtks_person_counts.kode_desa = villages.kode_desa
    left join dtks_duplicates on dtks_duplicates.kode_desa = villages.kode_desa
    left join household_counts on household_counts.kode_desa = villages.kode_desa
    left join pkh_counts on pkh_counts.kode_desa = villages.kode_desa
    left join pkh_year_counts on pkh_year_counts.kode_desa = villages.kode_desa
    left join case_counts on case_counts.kode_desa = villages.kode_desa
    left join rejected_counts on rejected_counts.kode_desa = villages.kode_desa
    left join match_counts on match_counts.kode_desa = villages.kode_desa
    left join bps_latest on bps_latest.kode_desa = villages.kode_desa
    left join koperasi on koperasi.kode_desa = villages.kode_desa
)

select
    counts.*,
    {{ mart_desa_shares('counts') }}
from counts
