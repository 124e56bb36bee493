{#- The candidate pairs (int_person_pairs_compared) that pass one of the two rules of
    int_person_pairs_scored that need uniqueness across pairs: pkh_near_nik_desa (the only DTKS
    person of a village a PKH recipient's NIK typo can come from) and near_name_birth_desa (the
    only person of a village born that day whose name is a letter off). Both are decided here,
    in one narrow pass over the few pairs that could qualify, so that int_person_pairs_scored
    reads each compared pair once and streams it: held whole at province scale (158M pairs,
    ~80 columns), the comparisons spilled 44 GB (docs/benchmarks.md).
    Who each side of such a pair is (its NIK, the recipient and the DTKS row of a PKH pair) is
    read here from int_person_match_records for those pairs only, not written into every
    compared pair (written for all of them, such strings cost the comparison ~8 s of ~25 at
    jember). -#}
{#- who the DTKS row (d__) is, for the uniqueness count of pkh_near_nik_desa: its NIK, or (lost
    NIK, or a 16th digit from a number cell) its card, name key and birth date (folded below
    into a NIK holder of the same card, name key and birth date) -#}
{%- set dtks_identity -%}
    case
        when d__.nik is not null and not d__.is_nik_last_digit_untrusted then d__.nik
        else 'L|' || coalesce(
            d__.no_kk || '|' || d__.nama_key || '|' || cast(d__.tanggal_lahir as varchar),
            cast(d__.rid as varchar)
        )
    end
{%- endset -%}
with

-- each candidate pair and whether either rule could take it
flagged as (
    select
        rid_a,
        rid_b,
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

possible_pairs as (
    select *
    from flagged
    where is_pkh_near_possible or is_near_name_birth_desa_possible
),

-- who each side of those pairs is
possible as (
    select
        p.*,
        -- for near_name_birth_desa: its NIK, or the record itself when it has none
        coalesce(a.nik, 'r' || a.rid) as identity_a,
        coalesce(b.nik, 'r' || b.rid) as identity_b,
        -- for pkh_near_nik_desa: the recipient, the DTKS row and who that row is
        case when a.source = 'pkh' then a.rid else b.rid end as pkh_rid,
        case when a.source = 'pkh' then b.rid else a.rid end as dtks_rid,
        case when a.source = 'pkh' then a.nik else b.nik end as pkh_nik,
        case
            when a.source = 'pkh'
                then {{ dtks_identity | replace('d__.', 'b.') }}
            else {{ dtks_identity | replace('d__.', 'a.') }}
        end as dtks_identity,
        -- the card, name key and birth date of the DTKS side (a lost-NIK row with those of a
        -- NIK holder is that NIK holder's row)
        case
            when a.source = 'pkh' then b.no_kk || '|' || b.nama_key || '|' || cast(b.tanggal_lahir as varchar)
            else a.no_kk || '|' || a.nama_key || '|' || cast(a.tanggal_lahir as varchar)
        end as dtks_family_name_birth,
        case
            when a.source = 'pkh' then b.nik is not null and not b.is_nik_last_digit_untrusted
            else a.nik is not null and not a.is_nik_last_digit_untrusted
        end as is_dtks_nik_trusted,
    from possible_pairs as p
    inner join {{ ref('int_person_match_records') }} as a on a.rid = p.rid_a
    inner join {{ ref('int_person_match_records') }} as b on b.rid = p.rid_b
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
