{#- Candidate pairs of person records, each scored with its evidence. Never all pairs: a pair
    is considered only when the two records share a block:
      nik        the same NIK (first 15 digits when a 16th digit is untrusted)
      nik_1digit NIKs one digit apart with the same name key (twins and 1 July elders are
                 often one digit apart: needs more). Without the name key such a pair scores
                 below the review band unless it shares NO_KK or ID_PKH, whose blocks find it;
                 requiring it cuts this block from 13M to 0.7M pairs at jember scale.
      no_kk      the same family card
      id_pkh     the same PKH family id (a recipient's rows over stages)
      birth_name the same birth date and name key
      desa_name  the same village and name key, when one record has no usable NIK
    Only canonical rows (not repeats of a delivery) take part.

    Score (log-odds-like points, thresholds in vars): NIK equal +12 (first 15 digits equal
    when a 16th digit is untrusted: +5), one digit apart -2, otherwise different -10;
    birth date equal +4 (+2 for the 1 July default), different -6;
    sex different -6; name key equal +w with w = log2(records / records with that name key)
    bounded to [2, 10] (frequent names weak, rare strong), similar (Jaro-Winkler >= 0.92 on
    the normal form, only when the NIKs do not disagree) +0.6 w, otherwise -6, clearly
    different (< 0.80) -12; NO_KK equal +7; ID_PKH equal +8; village equal +1.
    Review band: score >= review score, less 3 when both NO_KK are present and different (a
    person keeps the card across deliveries unless the family split or moved, and then the NIK
    usually carries the link), and never two rows of one file. The penalty is left out of
    linking: it would cost movers with a damaged NIK their link.
    A link also needs an anchor: the same trusted NIK, NO_KK or ID_PKH (or, for a NIK whose
    16th digit is untrusted, the same first 15 digits, name key and village). -#}
{%- set link_score = var('person_link_score', 10) -%}
{%- set review_score = var('person_review_score', 6) -%}
{%- set no_kk_different_points = var('person_no_kk_different_points', 3) -%}
{#- a block key shared by more records than this (a placeholder NIK or card pasted on thousands
    of rows, a name and date regency-wide) makes no pairs: it cannot identify anyone, and its
    pairs would grow with the square of its size -#}
{%- set block_max_rows = var('person_block_max_rows', 1000) -%}
with

records as (
    select * from {{ ref('int_person_records') }}
    where not is_repeat_delivery
),

name_weights as (
    select
        nama_key,
        least(10.0, greatest(2.0, log2((select count(*) from records) / count(*))))
            as name_weight,
    from records
    where nama_key is not null
    group by nama_key
),

-- how many distinct NIKs carry each (name key, birth date): 1 means the combination points to
-- one NIK holder only, so a record without a NIK that shares it is not ambiguous
name_birth_niks as (
    select nama_key, tanggal_lahir, count(distinct left(nik, 15)) as name_birth_nik_count,
    from records
    where nik is not null and nama_key is not null and tanggal_lahir is not null
    group by all
),

keyed as (
    -- only what the blocks and the evidence need: narrow rows join faster
    select
        -- an integer key: the candidate union and its joins on 16M pairs run far faster
        -- on integers than on the long record_key strings
        row_number() over (order by records.record_key) as rid,
        records.record_key,
        records.source,
        records.source_path,
        records.sheet,
        records.nik,
        records.nik_kept_digits,
        records.is_nik_last_digit_untrusted,
        records.tanggal_lahir,
        records.jenis_kelamin,
        records.nama_normal,
        records.nama_key,
        -- the words in alphabetical order: a two-part name written the other way round
        -- (FITRI AULIA / AULIA FITRI) is the same name
        array_to_string(list_sort(string_split(records.nama_normal, ' ')), ' ') as nama_sorted,
        records.no_kk,
        records.is_no_kk_last_digit_untrusted,
        records.id_pkh,
        records.kode_desa,
        records.kode_kecamatan,
        left(records.nik, 15) as nik15,
        -- block sizes, for the cap on each block (block_max_rows)
        count(*) over (partition by left(records.nik, 15)) as nik15_rows,
        count(*) over (partition by records.no_kk) as no_kk_rows,
        count(*) over (partition by records.id_pkh) as id_pkh_rows,
        count(*) over (partition by records.tanggal_lahir, records.nama_key) as birth_name_rows,
        count(*) over (partition by records.kode_desa, records.nama_key) as desa_name_rows,
        name_weights.name_weight,
        name_birth_niks.name_birth_nik_count,
        -- the NIK's own birth-date digits (7-12: DDMMYY, DD + 40 for women) agree with
        -- TANGGAL_LAHIR and JENIS_KELAMIN (either sex when it is missing): the NIK is not a
        -- typo landing on someone else's
        coalesce(
            substr(records.nik, 7, 6) = lpad(cast(day(records.tanggal_lahir)
                + case when records.jenis_kelamin = 'P' then 40 else 0 end as varchar), 2, '0')
                || strftime(records.tanggal_lahir, '%m%y')
            or (records.jenis_kelamin is null and substr(records.nik, 7, 6)
                = lpad(cast(day(records.tanggal_lahir) + 40 as varchar), 2, '0') || strftime(records.tanggal_lahir, '%m%y')),
            false
        ) as is_nik_birth_consistent,
        -- a birth date registries use as a default (1 July, 1 January) says little
        coalesce(
            (month(records.tanggal_lahir) = 7 and day(records.tanggal_lahir) = 1)
            or (month(records.tanggal_lahir) = 1 and day(records.tanggal_lahir) = 1),
            false
        ) as is_default_birth_date,
    from records
    left join name_weights using (nama_key)
    left join name_birth_niks using (nama_key, tanggal_lahir)
),


-- two cards that share at least two NIKs (first 15 digits) are one family's cards: a split or
-- a move takes several members along, a namesake on another card shares only the one NIK.
-- NIKs seen on more than 5 cards are left out, so the self-join stays bounded.
card_niks as (
    select no_kk, nik15
    from (select distinct no_kk, nik15 from keyed where no_kk is not null and nik15 is not null)
    qualify count(*) over (partition by nik15) <= 5
),

related_cards as (
    select a.no_kk as no_kk_a, b.no_kk as no_kk_b
    from card_niks as a
    inner join card_niks as b on a.nik15 = b.nik15 and a.no_kk < b.no_kk
    group by all
    having count(*) >= 2
),

distinct_nik_names as (
    select distinct nik, nama_key from keyed where nik is not null and nama_key is not null
),

-- each NIK with two adjacent, different digits swapped (a transposition while typing): a NIK
-- that equals such a form, under the same name key, is its swap partner. Looked up in the
-- distinct NIKs instead of joining two 12M-row lists of masked forms (same pairs, 22 s less
-- at jember scale)
nik_swaps as (
    select
        nik,
        nama_key,
        left(nik, pos - 1) || substr(nik, pos + 1, 1) || substr(nik, pos, 1)
            || substr(nik, pos + 2) as swapped,
    from distinct_nik_names, range(1, 16) as positions(pos)
    where substr(nik, pos, 1) <> substr(nik, pos + 1, 1)
),

nik_swap_pairs as (
    select distinct a.nik as nik_a, b.nik as nik_b, a.nama_key
    from nik_swaps as a
    inner join distinct_nik_names as b
        on b.nik = a.swapped and b.nama_key = a.nama_key and a.nik < b.nik
),

-- NIKs one digit apart in the birth-date and serial digits (7-16; a region typo falls to the
-- other blocks), with the same name key. Two such NIKs (16 digits: parse_id_number's
-- valid_length) share digits 1-11 (the different digit is in 12-16) or digits 1-6 and 12-16
-- (it is in 7-11): two joins on those halves find every pair, where masking each of the 10
-- positions joined two 10M-row lists of masked forms (same pairs)
nik_one_digit_pairs as (
    select a.nik as nik_a, b.nik as nik_b, a.nama_key
    from distinct_nik_names as a
    inner join distinct_nik_names as b
        on left(a.nik, 11) = left(b.nik, 11) and a.nama_key = b.nama_key
        and a.nik < b.nik and hamming(a.nik, b.nik) = 1
    union
    select a.nik, b.nik, a.nama_key
    from distinct_nik_names as a
    inner join distinct_nik_names as b
        on left(a.nik, 6) = left(b.nik, 6) and substr(a.nik, 12) = substr(b.nik, 12)
        and a.nama_key = b.nama_key and a.nik < b.nik and hamming(a.nik, b.nik) = 1
),

candidates as (
    select a.rid as rid_a, b.rid as rid_b
    from keyed as a inner join keyed as b
        on a.nik15 = b.nik15 and a.rid < b.rid and a.nik15_rows <= {{ block_max_rows }}
    union
    select a.rid, b.rid
    from nik_one_digit_pairs as p
    inner join keyed as a on a.nik = p.nik_a and a.nama_key = p.nama_key and a.nik15_rows <= {{ block_max_rows }}
    inner join keyed as b on b.nik = p.nik_b and b.nama_key = p.nama_key and b.nik15_rows <= {{ block_max_rows }}
    union
    select a.rid, b.rid
    from nik_swap_pairs as p
    inner join keyed as a on a.nik = p.nik_a and a.nama_key = p.nama_key and a.nik15_rows <= {{ block_max_rows }}
    inner join keyed as b on b.nik = p.nik_b and b.nama_key = p.nama_key and b.nik15_rows <= {{ block_max_rows }}
    union
    select a.rid, b.rid
    from keyed as a inner join keyed as b
        on a.no_kk = b.no_kk and a.rid < b.rid and a.no_kk_rows <= {{ block_max_rows }}
    union
    select a.rid, b.rid
    from keyed as a inner join keyed as b
        on a.id_pkh = b.id_pkh and a.rid < b.rid and a.id_pkh_rows <= {{ block_max_rows }}
    union
    select a.rid, b.rid
    from keyed as a inner join keyed as b
        on a.tanggal_lahir = b.tanggal_lahir and a.nama_key = b.nama_key
        and a.rid < b.rid and a.birth_name_rows <= {{ block_max_rows }}
        -- pairs already sharing a NIK come from the nik block
        and a.nik15 is distinct from b.nik15
    union
    -- driven from the records without a NIK, so common names do not make every pair
    select a.rid, b.rid
    from keyed as a inner join keyed as b
        on a.kode_desa = b.kode_desa and a.nama_key = b.nama_key
        and a.rid <> b.rid and a.desa_name_rows <= {{ block_max_rows }}
    where a.nik is null
),

compared as (
    select
        a.record_key as record_key_a,
        b.record_key as record_key_b,
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
        not (a.is_nik_last_digit_untrusted or b.is_nik_last_digit_untrusted) as is_nik_trusted_pair,
        -- exactly two adjacent digits swapped (hamming 2 and the swap explains both). A CASE,
        -- not an AND: DuckDB evaluates both sides of an AND in a projection, and the list over
        -- 15 positions on every one of ~11M candidate pairs cost most of the model's time;
        -- the CASE runs it only on the few pairs two digits apart
        case
            when hamming(a.nik, b.nik) = 2 then coalesce(len([
                pos for pos in range(1, 16)
                if substr(a.nik, pos, 1) = substr(b.nik, pos + 1, 1)
                    and substr(a.nik, pos + 1, 1) = substr(b.nik, pos, 1)
                    and substr(a.nik, pos, 1) <> substr(a.nik, pos + 1, 1)
            ]) > 0, false)
            else false
        end as is_nik_transposed,
        -- a NIK lost to a spreadsheet, compared on the digits it kept (all but the last, which
        -- may be rounded): with the other record's NIK, or with the other's kept digits
        case
            when a.nik_kept_digits is not null and b.nik is not null
                then left(b.nik, length(a.nik_kept_digits) - 1) = left(a.nik_kept_digits, length(a.nik_kept_digits) - 1)
            when b.nik_kept_digits is not null and a.nik is not null
                then left(a.nik, length(b.nik_kept_digits) - 1) = left(b.nik_kept_digits, length(b.nik_kept_digits) - 1)
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
                and substr(a.nik, 7, 6) = lpad(cast(day(b.tanggal_lahir)
                    + case when b.jenis_kelamin = 'P' then 40 else 0 end as varchar), 2, '0')
                    || strftime(b.tanggal_lahir, '%m%y') then true
            when b.nik is not null and b.tanggal_lahir is null and a.nik is null and a.tanggal_lahir is not null
                and substr(b.nik, 7, 6) = lpad(cast(day(a.tanggal_lahir)
                    + case when a.jenis_kelamin = 'P' then 40 else 0 end as varchar), 2, '0')
                    || strftime(a.tanggal_lahir, '%m%y') then true
            -- (a mismatch there may be a NIK typo: unknown, not a disagreement)
        end as is_birth_date_equal,
        -- a typing slip, not a different date: day and month swapped, or one digit of
        -- DDMMYYYY different (a year off by one or ten, a day mistyped)
        coalesce(a.tanggal_lahir <> b.tanggal_lahir and (
            (day(a.tanggal_lahir) = month(b.tanggal_lahir) and month(a.tanggal_lahir) = day(b.tanggal_lahir)
                and year(a.tanggal_lahir) = year(b.tanggal_lahir))
            or hamming(strftime(a.tanggal_lahir, '%d%m%Y'), strftime(b.tanggal_lahir, '%d%m%Y')) = 1
        ), false) as is_birth_date_slip,
        coalesce(month(a.tanggal_lahir) = 7 and day(a.tanggal_lahir) = 1, false)
            as is_default_birth_date,
        a.is_default_birth_date or b.is_default_birth_date as is_any_default_birth_date,
        -- every NIK present agrees with its own record's birth date and sex
        (a.nik is null or a.is_nik_birth_consistent)
            and (b.nik is null or b.is_nik_birth_consistent)
            and (a.nik is not null or b.nik is not null) as is_nik_birth_consistent,
        (a.nik is null) <> (b.nik is null) as is_one_nik_missing,
        a.is_nik_birth_consistent and b.is_nik_birth_consistent and a.nik is not null and b.nik is not null
            as is_each_nik_birth_consistent,
        (a.nik is not null and a.is_nik_birth_consistent) or (b.nik is not null and b.is_nik_birth_consistent)
            as is_any_nik_birth_consistent,
        -- a NIK whose birth digits disagree with its own record's birth date is visibly mistyped
        (a.tanggal_lahir is not null and not a.is_nik_birth_consistent)
            or (b.tanggal_lahir is not null and not b.is_nik_birth_consistent) as is_any_nik_visibly_mistyped,
        -- the same card, or one a digit off (a family entered twice, the copy's card mistyped)
        coalesce(a.no_kk = b.no_kk or hamming(a.no_kk, b.no_kk) = 1, false) as is_card_related,
        -- or two cards of one family (see related_cards: a split, a move)
        coalesce(a.no_kk = b.no_kk or hamming(a.no_kk, b.no_kk) = 1, false)
            or related_cards.no_kk_a is not null as is_family_related,
        left(a.nik, 6) = left(b.nik, 6) as is_nik_region_equal,
        a.name_birth_nik_count,
        case
            when a.jenis_kelamin is null or b.jenis_kelamin is null then null
            else a.jenis_kelamin = b.jenis_kelamin
        end as is_sex_equal,
        case
            when a.nama_key is null or b.nama_key is null then null
            else a.nama_key = b.nama_key or a.nama_sorted = b.nama_sorted
        end as is_name_key_equal,
        greatest(jaro_winkler_similarity(a.nama_normal, b.nama_normal),
            jaro_winkler_similarity(a.nama_sorted, b.nama_sorted)) as name_similarity,
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
        -- one file, whatever its sheets (evidence of nothing by itself: data ganda sits in one file)
        a.source_path = b.source_path as is_same_file,
        -- twins: the same card and birth date, different name keys, NIKs that differ in the
        -- serial (digits 13-16) and not by a swap of two digits
        coalesce(a.no_kk = b.no_kk and a.tanggal_lahir = b.tanggal_lahir and a.nama_key <> b.nama_key
            and left(a.nik, 12) = left(b.nik, 12) and a.nik <> b.nik
            and not a.is_nik_last_digit_untrusted and not b.is_nik_last_digit_untrusted, false) as is_twin_pair_any,
        -- NIKs equal but for the last digit, on unrelated cards: Dukcapil numbers the people of
        -- one district born on one day in order (0001, 0002, ...), so this is first two
        -- namesakes born the same day; only the same card (or one a digit off) makes it a typo
        coalesce(not a.is_nik_last_digit_untrusted and not b.is_nik_last_digit_untrusted
            and left(a.nik, 15) = left(b.nik, 15) and a.nik <> b.nik
            and not coalesce(a.no_kk = b.no_kk or hamming(a.no_kk, b.no_kk) = 1, false), false)
            as is_serial_neighbour_pair,
        a.kode_kecamatan is not null and a.kode_kecamatan = b.kode_kecamatan as is_kecamatan_equal,
    from (
        select distinct least(rid_a, rid_b) as rid_a, greatest(rid_a, rid_b) as rid_b
        from candidates
    ) as c
    inner join keyed as a on a.rid = c.rid_a
    inner join keyed as b on b.rid = c.rid_b
    left join related_cards
        on related_cards.no_kk_a = least(a.no_kk, b.no_kk)
        and related_cards.no_kk_b = greatest(a.no_kk, b.no_kk)
),

evidence as (
    select
        *,
        -- the NIKs equal in every trusted digit, one digit apart or two adjacent digits swapped
        -- (a typo), the same name key and the same birth date that is no default: one person
        -- whose NIK was mistyped once (twins differ in name and are ruled out in
        -- is_contradicted, default-date elders are excluded)
        (nik_digits_different <= 1 or is_nik_transposed)
            -- a NIK whose 16th digit a spreadsheet lost cannot tell two namesakes born the same
            -- day in one district apart (serials 0001, 0002): in one delivery, on unrelated
            -- cards, that lost digit is all that would link them
            and not (not is_nik_trusted_pair and is_same_file and not is_family_related)
            -- the region digits (1-6) agree: people born the same day in two districts have
            -- NIKs that differ only there when their serials coincide
            and is_nik_region_equal
            -- the same name key, or (NIKs equal in every trusted digit) a similar spelling
            and (is_name_key_equal or (nik_digits_different = 0 and name_similarity >= 0.92))
            -- the same birth date, or a typing slip of it (the score then needs a rarer name)
            and (is_birth_date_equal or is_birth_date_slip)
            and not is_any_default_birth_date
            -- at least one NIK agrees with its record's birth date and sex (the other may carry
            -- the typo in its birth digits); a typo landing on a real NIK of that date is
            -- what the rest of the evidence must rule out
            and is_any_nik_birth_consistent
            and is_sex_equal is distinct from false
            as is_near_nik_name_birth,
        -- one record lost its NIK (empty, scientific notation): a rare name (weight >= 8) with
        -- the same birth date (no default) that only one NIK in all records carries, whose
        -- digits agree with that birth date and sex, in the same kecamatan: the person split
        -- off onto a new card in a later file. A common name never qualifies; a move to
        -- another kecamatan is not enough (same rare name and birth date happen regency-wide).
        is_kecamatan_equal
            and is_one_nik_missing
            and is_nik_kept_digits_equal is distinct from false
            and is_name_key_equal
            and name_weight >= {{ var('person_rare_name_weight', 8) }}
            and is_birth_date_equal
            and not is_any_default_birth_date
            and is_nik_birth_consistent
            and name_birth_nik_count = 1
            and is_sex_equal is distinct from false
            as is_rare_name_birth,
        -- at least one record without a NIK: the same village, name key and non-default birth
        -- date, the same sex, any kept NIK digits agreeing (how a field officer finds a person
        -- without a NIK); the score still has to reach the link score, so common names never
        -- link this way
        (nik_digits_different is null)
            and is_kode_desa_equal
            and is_name_key_equal
            and is_birth_date_equal
            and not is_any_default_birth_date
            and is_sex_equal is distinct from false
            and is_nik_kept_digits_equal is distinct from false
            -- no two NIK holders share this name and birth date
            and coalesce(name_birth_nik_count, 0) <= 1
            -- the family agrees (the same card, or one a digit off) or the name is rare: two
            -- children named MUHAMMAD RIZKY born the same day in one village do happen
            and (is_family_related or name_weight >= {{ var('person_rare_name_weight', 8) }})
            as is_name_birth_desa,
        -- contradicting identity evidence: never one person, in one file or across files
        -- (int_persons_clustered applies the same list inside each component: keep in step)
        -- (two NIKs, neither visibly mistyped: a NIK disagreeing with its own birth date
        -- proves nothing against the other)
        coalesce(nik_digits_different >= 2 and not is_nik_transposed and not is_any_nik_visibly_mistyped, false)
            or coalesce(is_sex_equal = false and not is_name_key_equal, false)
            or (is_twin_pair_any and not is_nik_transposed)
            or is_serial_neighbour_pair
            -- two NIKs, each agreeing with its own record's birth date, and the dates differ:
            -- two people (the NIK is derived from the birth date)
            or coalesce(is_birth_date_equal = false and is_each_nik_birth_consistent, false)
            -- birth dates no typing slip explains, neither a registry default, and no shared NIK
            -- (a mother and her same-named daughter on one card)
            or coalesce(is_birth_date_equal = false and not is_birth_date_slip
                and not is_any_default_birth_date and coalesce(nik_digits_different, 1) > 0, false)
            as is_contradicted,
    from compared
),

nik_scored as (
    select
        *,
        case
            when nik_digits_different is null then 0
            when nik_digits_different = 0 and is_nik_trusted_pair then 12
            when nik_digits_different = 0 then 5
            when nik_digits_different = 1 or is_nik_transposed then -2
            else -10
        end
        + case
            when is_nik_kept_digits_equal then 1
            when not is_nik_kept_digits_equal then -6
            else 0
        end as nik_points,
    from evidence
),

scored as (
    select
        *,
        nik_points
        + case
            when is_birth_date_equal is null then 0
            when is_birth_date_equal and is_default_birth_date then 2
            when is_birth_date_equal then 4
            when is_birth_date_slip then 1
            else -6
        end
        + case when is_sex_equal = false then -6 else 0 end
        + case
            when is_name_key_equal then name_weight
            -- a similar spelling counts only when the NIKs do not disagree (twins are
            -- often named alike: AHMAD FAUZI / AHMAD FAUZAN)
            when name_similarity >= 0.92 and (coalesce(nik_digits_different, 0) = 0 or is_nik_transposed)
                then 0.6 * coalesce(name_weight, 2)
            when name_similarity >= 0.80 then -6
            else -12
        end
        + case when is_no_kk_equal then 7 else 0 end
        + case when is_id_pkh_equal then 8 else 0 end
        + case when is_kode_desa_equal then 1 else 0 end
            as score,
        -- what a link needs besides the score: a trusted NIK, the family card or the PKH id
        -- in common, or (15-digit NIK from a number cell) the name and village too. Without
        -- the same trusted NIK, birth dates that differ beyond a typing slip rule a link out.
        coalesce((nik_digits_different = 0 and is_nik_trusted_pair)
        or (
            (is_no_kk_equal
                or is_id_pkh_equal
                or (nik_digits_different = 0 and is_name_key_equal and is_kode_desa_equal
                    -- not two rows of one delivery on unrelated cards: the lost 16th digit is
                    -- what tells namesakes born the same day apart (see is_near_nik_name_birth)
                    and not (is_same_file and not is_family_related)))
            and (is_birth_date_equal is distinct from false or is_birth_date_slip)
        )
        or is_near_nik_name_birth
        or is_rare_name_birth
        or is_name_birth_desa, false)
            as has_anchor,
    from nik_scored
),

linked as (
    select
        *,
        has_anchor
            and not is_contradicted
            and (score >= {{ link_score }} or (is_near_nik_name_birth and score - nik_points >= {{ link_score }}))
            as is_linked,
    from scored
),

banded as (
    select
        * exclude (is_linked),
        case
            when is_linked then 'linked'
            -- contradicting evidence (twins, two NIKs no typo explains) settles it: no review
            when not is_contradicted
                and score - case when is_no_kk_different then {{ no_kk_different_points }} else 0 end
                    >= {{ review_score }}
                then 'needs_review'
            else 'distinct'
        end as band,
        -- the rule that joined the pair, for the per-row explanation
        case
            when not is_linked then null
            when nik_digits_different = 0 and is_nik_trusted_pair and source_a = source_b
                then 'nik_exact'
            when nik_digits_different = 0 and is_nik_trusted_pair then 'nik_exact_pkh_dtks'
            when is_id_pkh_equal then 'id_pkh_and_name'
            when is_no_kk_equal then 'no_kk_and_name'
            when nik_digits_different = 0 and is_name_key_equal and is_kode_desa_equal
                then 'nik15_name_desa'
            when is_near_nik_name_birth then 'nik_near_name_birth'
            when is_rare_name_birth then 'rare_name_birth'
            else 'name_birth_desa'
        end as match_rule,
    from linked
)

select * from banded where band <> 'distinct'
