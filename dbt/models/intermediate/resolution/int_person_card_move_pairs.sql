{#- card_move_name (docs/resolution.md): pairs of DTKS records on two cards of one family
    (int_person_related_cards: a move, a split, a re-issued card) that are the one person of
    that name on each side. Most members of such a family are linked by their NIK; this finds
    the member whose NIK was lost or mistyped on one of the cards:
      - each record's NIK (15 digits) is not on the other card: a member whose NIK is on both
        cards is found by the NIK (and a twin whose sibling holds that NIK is someone else);
      - the same name key, the same words in another order, or keys one letter apart (four
        letters or more);
      - sex not different;
      - unique: the record has exactly one such record on the other card, and that one
        exactly one on this card (two members named alike, twins a letter apart, leave it).
    int_person_pairs_candidates makes these pairs candidates; int_person_pairs_scored links
    them unless the evidence contradicts (two NIKs no typo explains, birth dates no slip
    explains). One row per pair, rid_a < rid_b. -#}
{%- set block_max_rows = var('person_block_max_rows', 1000) -%}
with

records as (
    select
        rid,
        no_kk,
        nik,
        nik15,
        is_nik_last_digit_untrusted,
        nama_key,
        nama_sorted_key,
        jenis_kelamin,
    from {{ ref('int_person_match_records') }}
    where source = 'dtks' and no_kk is not null and nama_key is not null
        and no_kk_rows <= {{ block_max_rows }}
),

card_niks as (
    select distinct
        no_kk,
        nik,
        nik15,
        is_nik_last_digit_untrusted,
    from records
    where nik is not null
),

-- each card with each card of its family, both ways round
family_cards as (
    select
        no_kk_a as no_kk,
        no_kk_b as other_no_kk,
    from {{ ref('int_person_related_cards') }}
    union all
    select
        no_kk_b as no_kk,
        no_kk_a as other_no_kk,
    from {{ ref('int_person_related_cards') }}
),

-- each record with each other card of its family on which its NIK is not (all 16 digits: twins'
-- NIKs differ in the last one; the first 15 when either 16th digit came from a number cell)
sides as (
    select
        records.* exclude (nik, nik15, is_nik_last_digit_untrusted),
        family_cards.other_no_kk,
    from records
    inner join family_cards on family_cards.no_kk = records.no_kk
    where not exists (
            select 1 from card_niks
            where card_niks.no_kk = family_cards.other_no_kk
                and (
                    card_niks.nik = records.nik
                    or (
                        card_niks.nik15 = records.nik15
                        and (card_niks.is_nik_last_digit_untrusted or records.is_nik_last_digit_untrusted)
                    )
                )
        )
),

pairs as (
    select
        a.rid as rid_a,
        b.rid as rid_b,
        a.no_kk as no_kk_a,
        b.no_kk as no_kk_b,
    from sides as a
    inner join sides as b
        on b.no_kk = a.other_no_kk and b.other_no_kk = a.no_kk and a.rid <> b.rid
    where (
        a.nama_key = b.nama_key
        or a.nama_sorted_key = b.nama_sorted_key
        or {{ names_one_letter_apart('a.nama_key', 'b.nama_key', 4) }}
    )
    and (a.jenis_kelamin is null or b.jenis_kelamin is null or a.jenis_kelamin = b.jenis_kelamin)
)

-- `pairs` holds both orders of each pair: a record with one candidate on the other card, whose
-- candidate has one on this card
select
    rid_a,
    rid_b,
from (
    select
        rid_a,
        rid_b,
    from pairs
    qualify count(*) over (partition by rid_a, no_kk_b) = 1
        and count(*) over (partition by rid_b, no_kk_a) = 1
)
where rid_a < rid_b
