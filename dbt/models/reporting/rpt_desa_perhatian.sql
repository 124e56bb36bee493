{#- The villages that need attention first: open cases per 1,000 residents (BPS population).

    Open cases counted, each with the agency that must act on it:
    - targeting cases (int_targeting_cases), under the agency that table names for each kind
      (exclusion: Dinas Sosial; inclusion, double aid, deceased recipient, component mismatch:
      the PKH coordinators);
    - suspected duplicate persons (pairs in restricted.person_review_list): Dinas Sosial, which
      keeps the DTKS;
    - koperasi problems of a desa (stage gone backwards, legal entity without deed or SK, stuck
      in one stage, no report at all): DPMD / Diskop UKM, one case per problem.
    A village without BPS population gets no rate (BPS must supply it) and is ranked last.
    Aggregates only; the report suppresses small counts (docs/privacy.md). -#}
with

wilayah as (
    select
        kode_desa,
        nama_desa,
        nama_kecamatan,
        jenis
    from {{ ref('dim_wilayah') }}
),

targeting as (
    select
        kode_desa,
        count(*) filter (where instansi = 'Dinas Sosial') as kasus_dinsos_penargetan,
        count(*) filter (where instansi = 'PKH') as kasus_pkh
    from {{ ref('int_targeting_cases') }}
    where kode_desa is not null
    group by kode_desa
),

duplicates as (
    select
        kode_desa,
        count(*) as dugaan_duplikat
    from {{ ref('person_review_list') }}
    where kode_desa is not null
    group by kode_desa
),

desa as (
    select
        kode_desa,
        bps_penduduk,
        coalesce(koperasi_has_stage_regression, false)::integer
        + coalesce(koperasi_lacks_legal_documents, false)::integer
        + coalesce(koperasi_is_stuck, false)::integer
        + (jenis = 'DESA' and coalesce(koperasi_reports, 0) = 0)::integer as kasus_koperasi
    from {{ ref('mart_desa') }}
),

counted as (
    select
        wilayah.kode_desa,
        wilayah.nama_desa,
        wilayah.nama_kecamatan,
        desa.bps_penduduk,
        coalesce(targeting.kasus_dinsos_penargetan, 0) + coalesce(duplicates.dugaan_duplikat, 0) as kasus_dinas_sosial,
        coalesce(targeting.kasus_pkh, 0) as kasus_pkh,
        desa.kasus_koperasi
    from wilayah
    inner join desa using (kode_desa)
    left join targeting using (kode_desa)
    left join duplicates using (kode_desa)
)

select
    *,
    kasus_dinas_sosial + kasus_pkh + kasus_koperasi as kasus_total,
    case when bps_penduduk > 0
            then round(1000.0 * (kasus_dinas_sosial + kasus_pkh + kasus_koperasi) / bps_penduduk, 2)
    end as kasus_per_1000,
    row_number() over (
        order by kasus_per_1000 desc nulls last, kasus_total desc, kode_desa asc
    ) as peringkat
from counted
