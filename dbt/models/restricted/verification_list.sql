{#- The field-verification (verval) list: one row per person behind each targeting problem and
    each suspected duplicate, per desa, with the evidence and the suggested action, for village
    officers and PKH facilitators. Restricted: names, NIK, NO_KK. Written per kecamatan as an
    .xlsx workbook with a sheet per desa (dagster_project/verification.py).
    Persons listed: for a household case, its current members (the PKH recipient first); for a
    PKH family DTKS does not know, its recipient as the PKH list names them; for a suspected
    duplicate (person_review_list), both records. -#}
with

cases as (
    select * from {{ ref('int_targeting_cases') }}
),

persons as (
    select * from {{ ref('mart_person') }}
),

members as (
    select
        household_id,
        person_id,
        hubungan_keluarga
    from {{ ref('int_household_members') }}
    where is_current
),

-- the targeting kinds as the seed names them, and the resolution's review pairs after them
labels as (
    select
        kind,
        urutan,
        label_verifikasi as masalah
    from {{ ref('targeting_kinds') }}
    union all
    select
        'duplicate_person',
        (select max(urutan) + 1 from {{ ref('targeting_kinds') }}),
        'Dugaan data ganda (perlu dicek)'
),

household_case_persons as (
    select
        cases.kind,
        cases.family_key as kasus,
        cases.kode_desa,
        cases.id_pkh_list,
        members.person_id,
        members.hubungan_keluarga,
        members.person_id = cases.recipient_person_id as is_pengurus,
        cases.evidence,
        cases.tindakan,
        cases.instansi,
    from cases
    inner join members using (household_id)
),

pkh_only_case_persons as (
    select
        cases.kind,
        cases.family_key,
        cases.kode_desa,
        cases.id_pkh_list,
        cases.recipient_person_id,
        cast(null as varchar),
        true,
        cases.evidence,
        cases.tindakan,
        cases.instansi,
    from cases
    where cases.household_id is null and cases.recipient_person_id is not null
),

-- a recipient who is not a member of the household the case is about (e.g. paid for another family)
outside_recipients as (
    select
        cases.kind,
        cases.family_key,
        cases.kode_desa,
        cases.id_pkh_list,
        cases.recipient_person_id,
        'PENGURUS (BUKAN ANGGOTA)',
        true,
        cases.evidence,
        cases.tindakan,
        cases.instansi,
    from cases
    left join members
        on members.household_id = cases.household_id and members.person_id = cases.recipient_person_id
    where cases.household_id is not null and cases.recipient_person_id is not null
        and members.person_id is null
),

-- one case per pair of persons (the review list holds pairs of records: a PKH recipient
-- listed in four stages is one person), in the village of the first record
person_pairs as (
    select
        least(person_id_a, person_id_b) as person_a,
        greatest(person_id_a, person_id_b) as person_b,
        min(kode_desa) as kode_desa,
        max(score) as score,
        bool_or(is_name_key_equal) as is_name_key_equal,
        bool_or(is_birth_date_equal) as is_birth_date_equal,
        bool_or(is_no_kk_equal) as is_no_kk_equal,
        bool_or(nik_digits_different = 1) as is_nik_one_digit_apart,
        bool_or(is_kode_desa_equal) as is_kode_desa_equal,
    from {{ ref('person_review_list') }}
    where person_id_a is not null and person_id_b is not null
    group by 1, 2
),

review_pairs as (
    select
        'duplicate_person' as kind,
        'R-' || md5(pairs.person_a || '|' || pairs.person_b)[:10] as kasus,
        pairs.kode_desa,
        cast(null as varchar) as id_pkh_list,
        side.person_id,
        cast(null as varchar) as hubungan_keluarga,
        false as is_pengurus,
        'skor ' || cast(pairs.score as varchar) || ': '
        || concat_ws(
            ', ',
            case when pairs.is_name_key_equal then 'nama sama' else 'nama mirip' end,
            case when pairs.is_birth_date_equal then 'tanggal lahir sama' end,
            case when pairs.is_no_kk_equal then 'NO_KK sama' end,
            case when pairs.is_nik_one_digit_apart then 'NIK beda 1 digit' end,
            case when pairs.is_kode_desa_equal then 'desa sama' end)
            as evidence,
        'Cek apakah dua catatan ini orang yang sama; bila sama, Dinas Sosial menggabungkan data' as tindakan,
        'Dinas Sosial' as instansi,
    from person_pairs as pairs
    cross join lateral (select unnest([pairs.person_a, pairs.person_b]) as person_id) as side
),

listed as (
    select * from household_case_persons
    union all
    select * from pkh_only_case_persons
    union all
    select * from outside_recipients
    union all
    select * from review_pairs
)

select
    wilayah.kode_kecamatan,
    wilayah.nama_kecamatan,
    listed.kode_desa,
    wilayah.nama_desa,
    labels.masalah,
    listed.kasus,
    listed.id_pkh_list as id_pkh,
    case when listed.is_pengurus then 'PENGURUS PKH' else coalesce(listed.hubungan_keluarga, '') end as peran,
    persons.nama,
    persons.nik,
    persons.no_kk,
    persons.tanggal_lahir,
    persons.jenis_kelamin,
    listed.evidence as bukti,
    listed.tindakan as tindakan_disarankan,
    listed.instansi,
    listed.kind,
    labels.urutan,
    listed.person_id,
from listed
inner join labels using (kind)
inner join {{ ref('dim_wilayah') }} as wilayah on wilayah.kode_desa = listed.kode_desa
left join persons using (person_id)
