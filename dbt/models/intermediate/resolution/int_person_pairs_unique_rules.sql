{#- The candidate pairs (int_person_pairs_compared) that pass one of the two rules of
    int_person_pairs_scored that need uniqueness across pairs: pkh_near_nik_desa (the only DTKS
    person of a village a PKH recipient's NIK typo can come from) and near_name_birth_desa (the
    only person of a village born that day whose name is a letter off). Both are decided here,
    in one narrow pass over the few pairs that could qualify, so that int_person_pairs_scored
    reads each compared pair once and streams it: held whole at province scale (158M pairs,
    ~80 columns), the comparisons spilled 44 GB (docs/benchmarks.md). -#}
with

-- each candidate pair with the columns the two rules read, and whether either could take it
flagged as (
    select
        rid_a,
        rid_b,
        identity_a,
        identity_b,
        pkh_rid,
        dtks_rid,
        pkh_nik,
        is_dtks_nik_trusted,
        dtks_family_name_birth,
        dtks_identity,
        coalesce(is_pkh_near_possible, false) as is_pkh_near_possible,
        -- near_name_birth_desa: a record without a usable NIK and a record of the same village
        -- born the same day (no registry default), of the same sex, on another card, whose name
        -- is one letter off, any kept NIK digits agreeing (docs/resolution.md)
        coalesce(
            nik_digits_different is null
            and is_kode_desa_equal
            and is_birth_date_equal
            and not is_any_default_birth_date
            and is_sex_equal
            and not is_name_key_equal
            and (is_name_one_letter_off or is_name_key_one_letter_off)
            and is_nik_kept_digits_equal is distinct from false
            -- twins share a card, a birth date and often names a letter apart; a person's rows
            -- on one card link by the card (no_kk_and_name)
            and not is_card_related,
            false
        ) as is_near_name_birth_desa_possible,
    from {{ ref('int_person_pairs_compared') }}
    where not is_random_pair
),

possible as (
    select *
    from flagged
    where is_pkh_near_possible or is_near_name_birth_desa_possible
),

-- pkh_near_nik_desa: the DTKS rows of one village that could be a PKH recipient whose NIK no
-- DTKS row carries (a NIK typo apart, is_pkh_near_possible). A row without a trusted NIK is
-- folded into a NIK holder of the same card, name key and birth date among them (the same
-- person delivered twice, once with the NIK lost)
pkh_near_candidates as (
    select
        rid_a,
        rid_b,
        pkh_rid,
        dtks_rid,
        pkh_nik,
        case
            when is_dtks_nik_trusted or dtks_family_name_birth is null then dtks_identity
            else coalesce(
                    max(case when is_dtks_nik_trusted then dtks_identity end)
                        over (partition by pkh_rid, dtks_family_name_birth),
                    dtks_identity
                )
        end as dtks_person,
    from possible
    where is_pkh_near_possible
),

-- the link needs exactly one such DTKS person for the recipient, and exactly one recipient
-- NIK for the DTKS row: two namesakes born the same day in one village (twins on one card,
-- neighbouring serials) leave it to review
pkh_near_unique as (
    select
        rid_a,
        rid_b,
    from pkh_near_candidates
    qualify count(distinct dtks_person) over (partition by pkh_rid) = 1
        and count(distinct pkh_nik) over (partition by dtks_rid) = 1
),

near_name_birth_desa_candidates as (
    select
        rid_a,
        rid_b,
        identity_a,
        identity_b,
    from possible
    where is_near_name_birth_desa_possible
),

-- the link needs exactly one such person for each record without a NIK in the pair: two
-- candidates a letter off (DEWI LESTRI and DEWI LESTANI born the same day) leave it to review
near_name_birth_desa_sides as (
    select
        rid_a as rid,
        identity_b as other,
    from near_name_birth_desa_candidates
    where identity_a = 'r' || rid_a
    union all
    select
        rid_b as rid,
        identity_a as other,
    from near_name_birth_desa_candidates
    where identity_b = 'r' || rid_b
),

near_name_birth_desa_unique as (
    select rid
    from near_name_birth_desa_sides
    group by rid
    having count(distinct other) = 1
),

near_name_birth_desa_pairs as (
    select
        c.rid_a,
        c.rid_b,
    from near_name_birth_desa_candidates as c
    left join near_name_birth_desa_unique as ua on ua.rid = c.rid_a
    left join near_name_birth_desa_unique as ub on ub.rid = c.rid_b
    -- every side without a NIK unique
    where (c.identity_a <> 'r' || c.rid_a or ua.rid is not null)
        and (c.identity_b <> 'r' || c.rid_b or ub.rid is not null)
)

select
    rid_a,
    rid_b,
    'pkh_near_nik_desa' as rule,
from pkh_near_unique
union all
select
    rid_a,
    rid_b,
    'near_name_birth_desa' as rule,
from near_name_birth_desa_pairs
