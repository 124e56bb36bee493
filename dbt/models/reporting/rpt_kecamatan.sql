{#- One row per kecamatan: the counts and targeting problems the meeting reads per kecamatan. -#}
select
    nama_kecamatan,
    dtks_persons,
    dtks_families,
    pkh_families,
    bps_penduduk,
    koperasi_desa_badan_hukum_or_later,
    inclusion_candidates,
    exclusion_candidates,
    duplicate_aid_cases,
    deceased_recipients,
    component_mismatches,
    pkh_coverage_desil_1_2
from {{ ref('mart_kecamatan') }}
