{#- The comparison of each candidate pair (int_person_pairs_candidates) and of each random
    pair (int_person_pairs_random, is_random_pair) of person records: the evidence columns the
    rules of int_person_pairs_scored read, and each comparison's level, whose weight
    int_person_match_weights estimates (from the candidate pairs for m, the random pairs for u)
    and int_person_pairs_scored adds up. Written once (three models read it), in parts of at
    most var person_pairs_part_rows candidate pairs by rid_a (table_in_parts): one part but at
    province scale, where one query over all pairs spilled 55 GB under a 4 GB limit.
    DuckDB evaluates every side of an AND or OR for every row, so the costly string
    comparisons (Levenshtein, word lists, the PKH tests) sit in a CASE behind a cheap test that
    any pair they could hold true passes (different names of a length one letter apart, ...):
    the same values, ~30% less time (docs/benchmarks.md, 2026-12-06). -#}
{#- DuckDB's join-order optimizer, given the part filters (getvariable: no estimate) and the pairs
    read twice, built the second join's hash table on the ~5M pairs with the first record's
    ~45 columns instead of on the records: 7 s of the query's 12 s at kit `jember`, spilling.
    Without it the joins run in the order written, each hash table on the records (the
    optimizer that picks the build side still runs): the same rows in ~8 s. Plans only, never
    results; the setting is the connection's and is reset after the model. -#}
{{ config(
    materialized='table_in_parts',
    part_column='rid_a',
    part_source='int_person_pairs_candidates',
    part_rows=var('person_pairs_part_rows', 10000000),
    pre_hook="set disabled_optimizers = 'join_order'",
    post_hook="reset disabled_optimizers",
) }}
{#- Two conditions several columns below read: the family agrees (the same card, one a digit
    off, or two cards of one family: related_cards, a split or a move), and the same very rare
    name key with the same birth date that is no registry default (null when a side lacks one:
    each reader says what null means there). -#}
{%- set card_related = "coalesce(a.no_kk = b.no_kk or hamming(a.no_kk, b.no_kk) = 1, false)" -%}
{%- set family_related = "(" ~ card_related ~ " or related_cards.no_kk_a is not null)" -%}
{%- set same_very_rare_name_birth = "(a.nama_key = b.nama_key and a.is_name_very_rare"
    ~ " and a.tanggal_lahir = b.tanggal_lahir and not a.is_default_birth_date)" -%}
{#- A record's NIK (n__) gives the record's own birth date and sex (digits 7-12), or would but
    for one typing slip there (one digit, or two adjacent digits swapped, as a NIK typo is read
    elsewhere). Written once with a placeholder, applied to either side of a pair. -#}
{%- set nik_birth_near -%}
    (
        n__.is_nik_birth_consistent
        or hamming(substr(n__.nik, 7, 6), n__.date_birth_digits) = 1
        or {{ niks_adjacent_digits_swapped('substr(n__.nik, 7, 6)', 'n__.date_birth_digits') }}
    )
{%- endset -%}
{#- A PKH recipient (p__) against a DTKS row (d__) of the same village whose NIK no DTKS row
    carries: the DTKS rows that could be the recipient, a NIK typo apart (the loose test,
    counted for uniqueness in int_person_pairs_scored), and the stricter test a link needs
    (pkh_near_nik_desa, docs/resolution.md). Written once with placeholders, applied to both
    orders of a pair. -#}
{%- set pkh_near_possible -%}
    p__.source = 'pkh' and d__.source = 'dtks' and p__.nik is not null
    and not p__.is_nik_on_dtks and p__.kode_desa = d__.kode_desa
    and (
        -- a NIK one digit off (in its trusted digits) or two adjacent digits swapped, the same
        -- name key or the same words in another order
        (
            d__.nik is not null
            and (nik_digits_different = 1 or is_nik_transposed)
            and (p__.nama_key = d__.nama_key or p__.nama_sorted_key = d__.nama_sorted_key)
        )
        -- a lost NIK whose kept digits (if any) do not disagree, a name that is the same or
        -- close, and a birth date and sex that give the recipient NIK's birth digits, or one
        -- digit of them (a NIK typo there)
        or (
            d__.nik is null
            and is_nik_kept_digits_equal is distinct from false
            and hamming(substr(p__.nik, 7, 6), d__.date_birth_digits) <= 1
            and (
                p__.nama_key = d__.nama_key or p__.nama_sorted_key = d__.nama_sorted_key
                or jaro_winkler_similarity(p__.nama_normal, d__.nama_normal) >= 0.85
            )
        )
    )
{%- endset -%}
{%- set pkh_near_strict -%}
    (
        d__.nik is not null
        and (
            -- the DTKS NIK agrees with its own row's birth date and sex: it is the right one,
            -- the recipient's the mistyped copy
            d__.is_nik_birth_consistent
            -- or the other way round: the recipient's NIK gives the DTKS row's own birth date
            -- and sex and the DTKS NIK does not, so the slip is in the DTKS NIK's birth digits
            -- (region and serial agree; a NIK is issued once: the mirror of
            -- is_nik_typo_located)
            or substr(p__.nik, 7, 6) = d__.date_birth_digits
        )
        -- a region digit (1-6) differs only when the village lies in the kecamatan of one of
        -- the two NIKs (most people hold a NIK of the kecamatan they live in)
        and (
            left(p__.nik, 6) = left(d__.nik, 6)
            or replace(d__.kode_kecamatan, '.', '') in (left(p__.nik, 6), left(d__.nik, 6))
        )
        -- a registry default birth date (1 July, 1 January, 31 December): elders of one district with it
        -- have NIKs that differ in the serial only; unless the typo is in the birth digits
        and (not d__.is_default_birth_date or substr(p__.nik, 7, 6) <> substr(d__.nik, 7, 6))
        -- no PKH row carries the DTKS NIK itself: that recipient is this DTKS person
        and not d__.is_nik_on_pkh
    )
    or (
        d__.nik is null
        -- what is left of the lost NIK agrees with the recipient's
        and is_nik_kept_digits_equal
        and not d__.is_default_birth_date
        and (
            -- the same name key: the recipient NIK's birth digits may carry a typo
            p__.nama_key = d__.nama_key or p__.nama_sorted_key = d__.nama_sorted_key
            -- a close spelling only when the NIK's birth digits give this date and sex exactly
            or substr(p__.nik, 7, 6) = d__.date_birth_digits
        )
    )
{%- endset -%}
with

-- two cards of one family (a split, a move, a re-issued card: int_person_related_cards)
related_cards as (
    select * from {{ ref('int_person_related_cards') }}
),

-- the candidate and random pairs of the part being built (in_build_part: all of them outside
-- table_in_parts)
pairs as (
    select
        rid_a,
        rid_b,
        false as is_random_pair
    from {{ ref('int_person_pairs_candidates') }}
    where {{ in_build_part('rid_a') }}
    union all
    select
        rid_a,
        rid_b,
        true as is_random_pair
    from {{ ref('int_person_pairs_random') }}
    where {{ in_build_part('rid_a') }}
),

-- each side's records cut to those the part's pairs name, so that a part's joins hold only them.
-- Each reads the model itself, not one CTE of it: a CTE read twice is materialised, a copy of
-- every record's ~45 columns for each part (~40 s of each part at province scale)
records_a as (
    select * from {{ ref('int_person_match_records') }}
    where {{ in_build_part('rid') }}
),

records_b as (
    select * from {{ ref('int_person_match_records') }}
    where rid in (select pairs.rid_b from pairs)
),

compared as (
    select
        c.is_random_pair,
        c.rid_a,
        c.rid_b,
        a.source as source_a,
        b.source as source_b,
        -- NIK: equal, one digit apart or different; a 16th digit that cannot be trusted is ignored
        case
            when a.nik is null or b.nik is null then null
            when a.is_nik_last_digit_untrusted or b.is_nik_last_digit_untrusted
                then case
                        when a.nik15 = b.nik15 then 0
                        else hamming(a.nik15, b.nik15)
                    end
            else hamming(a.nik, b.nik)
        end as nik_digits_different,
        not(a.is_nik_last_digit_untrusted or b.is_nik_last_digit_untrusted) as is_nik_trusted_pair,
        -- exactly two adjacent digits swapped (hamming 2 and the swap explains both)
        {{ niks_adjacent_digits_swapped('a.nik', 'b.nik') }} as is_nik_transposed,
        -- a NIK lost to a spreadsheet, compared on the digits it kept (all but the last, which
        -- may be rounded): with the other record's NIK, or with the other's kept digits. Or
        -- the kept digits are the other NIK rounded to their length: a rounding that carried
        -- (3509195807830001 displayed as 3.50920E+15) changes more than the last digit
        case
            when a.nik_kept_digits is not null and b.nik is not null
                then left(b.nik, length(a.nik_kept_digits) - 1) = left(a.nik_kept_digits, length(a.nik_kept_digits) - 1)
                    or round(cast(b.nik as double) / pow(10, 16 - length(a.nik_kept_digits)))
                    = cast(a.nik_kept_digits as double)
            when b.nik_kept_digits is not null and a.nik is not null
                then left(a.nik, length(b.nik_kept_digits) - 1) = left(b.nik_kept_digits, length(b.nik_kept_digits) - 1)
                    or round(cast(a.nik as double) / pow(10, 16 - length(b.nik_kept_digits)))
                    = cast(b.nik_kept_digits as double)
            when a.nik_kept_digits is not null and b.nik_kept_digits is not null
                then left(a.nik_kept_digits, least(length(a.nik_kept_digits), length(b.nik_kept_digits)) - 1)
                    = left(b.nik_kept_digits, least(length(a.nik_kept_digits), length(b.nik_kept_digits)) - 1)
        end as is_nik_kept_digits_equal,
        case
            when a.tanggal_lahir is not null and b.tanggal_lahir is not null
                then a.tanggal_lahir = b.tanggal_lahir
            -- a record with a NIK but no birth date (PKH) against one with a birth date but no
            -- NIK: the NIK's birth digits (DDMMYY, DD + 40 for women) are the date Dukcapil
            -- registered, independent of the other record's typed date and sex
            when a.nik is not null and a.tanggal_lahir is null and b.nik is null and b.tanggal_lahir is not null
                and substr(a.nik, 7, 6) = lpad(cast(
                    day(b.tanggal_lahir)
                    + case when b.jenis_kelamin = 'P' then 40 else 0 end as varchar
                ), 2, '0')
                || strftime(b.tanggal_lahir, '%m%y') then true
            when b.nik is not null and b.tanggal_lahir is null and a.nik is null and a.tanggal_lahir is not null
                and substr(b.nik, 7, 6) = lpad(cast(
                    day(a.tanggal_lahir)
                    + case when a.jenis_kelamin = 'P' then 40 else 0 end as varchar
                ), 2, '0')
                || strftime(a.tanggal_lahir, '%m%y') then true
        -- (a mismatch there may be a NIK typo: unknown, not a disagreement)
        end as is_birth_date_equal,
        -- a typing slip, not a different date: day and month swapped, or one digit of
        -- DDMMYYYY different (a year off by one or ten, a day mistyped)
        coalesce(a.tanggal_lahir <> b.tanggal_lahir and (
            (
                day(a.tanggal_lahir) = month(b.tanggal_lahir) and month(a.tanggal_lahir) = day(b.tanggal_lahir)
                and year(a.tanggal_lahir) = year(b.tanggal_lahir)
            )
            or hamming(strftime(a.tanggal_lahir, '%d%m%Y'), strftime(b.tanggal_lahir, '%d%m%Y')) = 1
        ), false) as is_birth_date_slip,
        -- read with is_birth_date_equal: the date both share is a registry default
        a.is_default_birth_date,
        a.is_default_birth_date or b.is_default_birth_date as is_any_default_birth_date,
        -- one record lost its NIK: the other's NIK agrees with its own record's birth date and
        -- sex, but for one typing slip at most (nik_birth_near); false when both or neither
        -- have one
        coalesce(case
            when a.nik is null and b.nik is not null then {{ nik_birth_near | replace('n__.', 'b.') }}
            when b.nik is null and a.nik is not null then {{ nik_birth_near | replace('n__.', 'a.') }}
        end, false) as is_lone_nik_birth_near,
        (a.nik is null) <> (b.nik is null) as is_one_nik_missing,
        a.is_nik_birth_consistent and b.is_nik_birth_consistent and a.nik is not null and b.nik is not null
            as is_each_nik_birth_consistent,
        (a.nik is not null and a.is_nik_birth_consistent) or (b.nik is not null and b.is_nik_birth_consistent)
            as is_any_nik_birth_consistent,
        -- a NIK whose birth digits disagree with its own record's birth date is visibly mistyped
        (a.tanggal_lahir is not null and not a.is_nik_birth_consistent)
        or (b.tanggal_lahir is not null and not b.is_nik_birth_consistent) as is_any_nik_visibly_mistyped,
        -- the same card, or one a digit off (a family entered twice, the copy's card mistyped)
        {{ card_related }} as is_card_related,
        -- or two cards of one family (see related_cards: a split, a move)
        {{ family_related }} as is_family_related,
        left(a.nik, 6) = left(b.nik, 6) as is_nik_region_equal,
        -- a NIK of 15 or 17 digits that is the other NIK with one digit dropped or doubled
        coalesce(
            levenshtein(a.nik_wrong_length, b.nik) = 1 or levenshtein(b.nik_wrong_length, a.nik) = 1,
            false
        ) as is_nik_indel,
        -- a typo located in the region digits: two trusted NIKs one digit apart (or two
        -- adjacent digits swapped) there, and either both records in one kecamatan, which is
        -- the region of one of the two NIKs (most people hold a NIK of the kecamatan they live
        -- in; the other region is then the slip), or one of the two regions naming no
        -- kecamatan of the regency (3509 and kecamatan digits none has: that one is the slip,
        -- wherever the records live; a mover keeps the NIK).
        -- When both regions are real, the family or the village must agree too, or the name
        -- be very rare: Dukcapil numbers each district's births of a day from 0001, so two
        -- people born one day in two districts often share digits 7-16 and differ only in the
        -- region, and a resident keeps the NIK of the district that issued it (the raw
        -- contract). Two namesakes so, in two villages of one kecamatan on unrelated cards,
        -- are what such a pair more often is (docs/benchmarks.md, "A region-digit NIK typo
        -- between two real districts")
        coalesce(
            (hamming(a.nik, b.nik) = 1 or (hamming(a.nik, b.nik) = 2 and is_nik_transposed))
            and left(a.nik, 6) <> left(b.nik, 6)
            and not a.is_nik_last_digit_untrusted and not b.is_nik_last_digit_untrusted
            and (
                (
                    a.kode_kecamatan = b.kode_kecamatan
                    and replace(a.kode_kecamatan, '.', '') in (left(a.nik, 6), left(b.nik, 6))
                    and (
                        {{ family_related }}
                        or a.kode_desa = b.kode_desa
                        or {{ same_very_rare_name_birth }}
                    )
                )
                or a.is_nik_kecamatan_unknown <> b.is_nik_kecamatan_unknown
            ), false)
            as is_nik_region_typo_located,
        -- the typo is located: two trusted NIKs one digit apart (or two adjacent digits swapped)
        -- on records with the same birth date, of which exactly one agrees with that date and
        -- sex. The differing digit is then in the birth digits (7-12), and before the slip the
        -- two NIKs were one: the serial and region agree, and Dukcapil issues a NIK once
        coalesce(
            (hamming(a.nik, b.nik) = 1 or (hamming(a.nik, b.nik) = 2 and is_nik_transposed))
            and not a.is_nik_last_digit_untrusted and not b.is_nik_last_digit_untrusted
            and a.tanggal_lahir = b.tanggal_lahir
            and a.is_nik_birth_consistent <> b.is_nik_birth_consistent, false
        ) as is_nik_typo_located,
        -- one record lost its NIK and what is left of it points to the other's district of issue
        -- (NIK digits 1-6): its kept digits (as displayed, so the last rounded; a display's
        -- trailing zeros dropped, so read to 6 digits at least: the kecamatan digits) are the
        -- other NIK rounded to that length, or its record lives in the kecamatan that issued
        -- the other NIK. A move keeps the NIK, so this is the region evidence a mover keeps
        coalesce(
            case
                when a.nik is null and b.nik is not null
                    then replace(a.kode_kecamatan, '.', '') = left(b.nik, 6)
                        or round(cast(b.nik as double) / pow(10, 16 - greatest(length(a.nik_kept_digits), 6)))
                        = cast(rpad(a.nik_kept_digits, cast(greatest(length(a.nik_kept_digits), 6) as integer), '0') as double)
                when b.nik is null and a.nik is not null
                    then replace(b.kode_kecamatan, '.', '') = left(a.nik, 6)
                        or round(cast(a.nik as double) / pow(10, 16 - greatest(length(b.nik_kept_digits), 6)))
                        = cast(rpad(b.nik_kept_digits, cast(greatest(length(b.nik_kept_digits), 6) as integer), '0') as double)
            end,
            false
        ) as is_lost_nik_region_agreeing,
        -- the larger of the two records' counts: their name keys may differ (the same words in
        -- another order), and either name pointing to two NIK holders makes the pair ambiguous
        -- (as name_weight takes the smaller weight)
        greatest(a.name_birth_nik_count, b.name_birth_nik_count) as name_birth_nik_count,
        case
            when a.jenis_kelamin is null or b.jenis_kelamin is null then null
            else a.jenis_kelamin = b.jenis_kelamin
        end as is_sex_equal,
        case
            when a.nama_key is null or b.nama_key is null then null
            else a.nama_key = b.nama_key or a.nama_sorted_key = b.nama_sorted_key
        end as is_name_key_equal,
        case
            when a.nama_normal = b.nama_normal then 1.0
            else greatest(
                    jaro_winkler_similarity(a.nama_normal, b.nama_normal),
                    jaro_winkler_similarity(a.nama_sorted, b.nama_sorted)
                )
        end as name_similarity,
        -- every word of the shorter name (two words at least) in the longer one: a name written
        -- in full once and shortened once (SITI SHOLIHAH PERMATASARI / SITI SHOLIHAH)
        case
            when a.nama_normal <> b.nama_normal and contains(a.nama_normal, ' ') and contains(b.nama_normal, ' ')
                and (
                    contains(a.nama_normal, split_part(b.nama_normal, ' ', 1))
                    or contains(b.nama_normal, split_part(a.nama_normal, ' ', 1))
                )
                then list_has_all(string_split(a.nama_normal, ' '), string_split(b.nama_normal, ' '))
                    or list_has_all(string_split(b.nama_normal, ' '), string_split(a.nama_normal, ' '))
            else false
        end as is_name_contained,
        -- one letter typed wrong, dropped or added in a name of five letters or more
        -- (FITRIANI / FUTRIANI): Jaro-Winkler puts some of these under 0.80
        {{ names_one_letter_apart('a.nama_normal', 'b.nama_normal', 5) }} as is_name_one_letter_off,
        -- the name keys one letter apart (four letters or more): a letter typo beside a
        -- spelling the key folds (FAHMI / FAMHI, RESA / REZA)
        {{ names_one_letter_apart('a.nama_key', 'b.nama_key', 4) }}
            as is_name_key_one_letter_off,
        least(a.name_weight, b.name_weight) as name_weight,
        a.no_kk is not null and a.no_kk = b.no_kk as is_no_kk_equal,
        -- both cards present and different (in the first 15 digits when a 16th digit came
        -- from a number cell); null when either is missing
        case
            when a.is_no_kk_last_digit_untrusted or b.is_no_kk_last_digit_untrusted
                then left(a.no_kk, 15) <> left(b.no_kk, 15)
            else a.no_kk <> b.no_kk
        end as is_no_kk_different,
        a.id_pkh is not null and a.id_pkh = b.id_pkh as is_id_pkh_equal,
        a.kode_desa is not null and a.kode_desa = b.kode_desa as is_kode_desa_equal,
        a.id_pkh is not null and b.id_pkh is not null as is_id_pkh_both,
        a.kode_desa is not null and b.kode_desa is not null as is_kode_desa_both,
        -- how common the shared value is (term frequency: an agreement on a rare name or
        -- birth date says more); greatest: ignores a missing side, takes the commoner of two
        -- spellings
        greatest(a.name_frequency, b.name_frequency) as name_frequency,
        greatest(a.birth_date_frequency, b.birth_date_frequency) as birth_date_frequency,
        -- one file, whatever its sheets (evidence of nothing by itself: data ganda sits in one file)
        a.source_path = b.source_path as is_same_file,
        -- twins: the same card and birth date, different name keys, NIKs that differ in the
        -- serial (digits 13-16) and not by a swap of two digits
        coalesce(
            a.no_kk = b.no_kk and a.tanggal_lahir = b.tanggal_lahir and a.nama_key <> b.nama_key
            and left(a.nik, 12) = left(b.nik, 12) and a.nik <> b.nik
            and not a.is_nik_last_digit_untrusted and not b.is_nik_last_digit_untrusted, false
        ) as is_twin_pair_any,
        -- one NIK on two members of one card: two DTKS rows with the same NIK and card whose
        -- names share no word and whose name keys are more than two edits apart (no spelling of
        -- one name): the NIK typed onto a sibling's row (twins share the birth date too). Not
        -- between PKH and DTKS: the recipient's name there is written by another office. A CASE:
        -- the word lists are built only for the few pairs that share NIK and card
        case
            when a.source = 'dtks' and b.source = 'dtks' and a.nik = b.nik and a.no_kk = b.no_kk
                then coalesce(
                        not list_has_any(string_split(a.nama_normal, ' '), string_split(b.nama_normal, ' '))
                        and levenshtein(a.nama_key, b.nama_key) > 2,
                        false
                    )
            else false
        end as is_nik_on_another_member,
        -- the same very rare name key (int_person_match_records.is_name_very_rare) and the same
        -- birth date that is no registry default: two namesakes born that day in one district
        -- are not to be expected, so the namesake guards below and in int_person_pairs_scored
        -- give way (int_persons_clustered reads the same two columns)
        coalesce({{ same_very_rare_name_birth }}, false) as is_same_very_rare_name_birth,
        -- NIKs equal but for the last digit, on unrelated cards: Dukcapil numbers the people of
        -- one district born on one day in order (0001, 0002, ...), so this is first two
        -- namesakes born the same day; only the same card (or one a digit off, or another card
        -- of the family) makes it a typo, or a name too rare for two such namesakes
        coalesce(
            not a.is_nik_last_digit_untrusted and not b.is_nik_last_digit_untrusted
            and left(a.nik, 15) = left(b.nik, 15) and a.nik <> b.nik
            and not {{ family_related }}
            and not {{ same_very_rare_name_birth }}, false)
            as is_serial_neighbour_pair,
        a.kode_kecamatan is not null and a.kode_kecamatan = b.kode_kecamatan as is_kecamatan_equal,
        -- a PKH recipient and a DTKS row a NIK typo apart in one village (see the top):
        -- could be one person, and what a link needs besides uniqueness
        coalesce(
            case
                when a.source = 'pkh' and b.source = 'dtks'
                    then {{ pkh_near_possible | replace('p__.', 'a.') | replace('d__.', 'b.') }}
                when b.source = 'pkh' and a.source = 'dtks'
                    then {{ pkh_near_possible | replace('p__.', 'b.') | replace('d__.', 'a.') }}
            end,
            false
        ) as is_pkh_near_possible,
        coalesce(
            case
                when a.source = 'pkh'
                    then {{ pkh_near_strict | replace('p__.', 'a.') | replace('d__.', 'b.') }}
                else {{ pkh_near_strict | replace('p__.', 'b.') | replace('d__.', 'a.') }}
            end,
            false
        ) as is_pkh_near_strict,
    from pairs as c
    inner join records_a as a on a.rid = c.rid_a
    inner join records_b as b on b.rid = c.rid_b
    left join related_cards
        on related_cards.no_kk_a = least(a.no_kk, b.no_kk)
            and related_cards.no_kk_b = greatest(a.no_kk, b.no_kk)
)

select
    *,
    -- the levels of each comparison (null: a side is missing, no weight)
    case
        when nik_digits_different is null then null
        when nik_digits_different = 0 and is_nik_trusted_pair then 'exact'
        when nik_digits_different = 0 then 'exact_15'
        when nik_digits_different = 1 or is_nik_transposed then 'near'
        else 'different'
    end as nik_level,
    case
        when is_nik_kept_digits_equal then 'agree'
        when not is_nik_kept_digits_equal then 'disagree'
    end as nik_kept_level,
    case
        when is_birth_date_equal is null then null
        when is_birth_date_equal then 'equal'
        when is_birth_date_slip then 'slip'
        else 'different'
    end as birth_level,
    case
        when is_sex_equal then 'equal'
        when not is_sex_equal then 'different'
    end as sex_level,
    case
        when is_name_key_equal is null then null
        when is_name_key_equal then 'equal'
        -- a similar spelling counts only when the NIKs do not disagree (twins are often named
        -- alike: AHMAD FAUZI / AHMAD FAUZAN)
        when (name_similarity >= 0.92 or is_name_contained or is_name_one_letter_off)
            and (coalesce(nik_digits_different, 0) = 0 or is_nik_transposed)
            then 'similar'
        when name_similarity >= 0.80 then 'somewhat'
        else 'different'
    end as name_level,
    case when is_no_kk_equal then 'equal' when is_no_kk_different then 'different' end as no_kk_level,
    case
        when not is_id_pkh_both then null
        when is_id_pkh_equal then 'equal'
        else 'different'
    end as id_pkh_level,
    case
        when not is_kode_desa_both then null
        when is_kode_desa_equal then 'equal'
        else 'different'
    end as desa_level,
from compared
