{#- The verification team's list, per desa: pairs of records whose evidence score fell in the
    uncertain band (or scored high but lacked an anchor such as a shared NIK or NO_KK). They
    are neither merged nor forgotten. One row per pair; `decision` starts as 'needs_review'. -#}
with

pairs as (
    select * from {{ ref('int_person_pairs_scored') }}
    where band = 'needs_review'
),

records as (
    select * from {{ ref('int_person_records') }}
),

xref as (
    select
        record_key,
        person_id
    from {{ ref('int_person_xref') }}
)

select
    coalesce(a.kode_desa, b.kode_desa) as kode_desa,
    pairs.record_key_a,
    pairs.record_key_b,
    xa.person_id as person_id_a,
    xb.person_id as person_id_b,
    a.nama as nama_a,
    b.nama as nama_b,
    a.nik as nik_a,
    b.nik as nik_b,
    a.no_kk as no_kk_a,
    b.no_kk as no_kk_b,
    a.tanggal_lahir as tanggal_lahir_a,
    b.tanggal_lahir as tanggal_lahir_b,
    round(pairs.score, 2) as score,
    pairs.nik_digits_different,
    pairs.is_birth_date_equal,
    pairs.is_sex_equal,
    pairs.is_name_key_equal,
    round(pairs.name_similarity, 3) as name_similarity,
    pairs.is_no_kk_equal,
    pairs.is_id_pkh_equal,
    pairs.is_kode_desa_equal,
    'needs_review' as decision,
from pairs
inner join records as a on a.record_key = pairs.record_key_a
inner join records as b on b.record_key = pairs.record_key_b
left join xref as xa on xa.record_key = pairs.record_key_a
left join xref as xb on xb.record_key = pairs.record_key_b
-- pairs already in one person (joined through other records) need no review
where xa.person_id is distinct from xb.person_id
