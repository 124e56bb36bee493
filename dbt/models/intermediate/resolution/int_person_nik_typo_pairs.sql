{#- Pairs of NIKs a typing slip apart, under the same name key or birth date of their records:
    one digit different or two adjacent digits swapped (typo 'nik_1digit': two 16-digit NIKs),
    or one digit dropped or doubled (typo 'nik_indel': nik_a the 15- or 17-digit NIK, nik_b the
    16-digit NIK it becomes). int_person_pairs_candidates pairs the records that carry them
    (its blocks nik_1digit and nik_indel). A model of its own, not a CTE of the candidates: its
    five self-joins hold their hash tables until the query ends, and beside the candidates'
    other blocks they made that query spill 1.1-1.3 GB at kit `jember` (memory_limit 1.5GB):
    apart, 2.6 s and 2.7 s without spilling against 7.6 s in one (docs/benchmarks.md). -#}
{#- Each value of an identity column (id__: the NIK, or a NIK of the wrong length) with each
    match key its records carry (macro nik_match_keys: the name key and, apart, the birth
    date): two NIKs a slip apart are paired only under an equal one of these. Written once with
    a placeholder, applied to both columns. -#}
{%- set match_keys -%}
    select distinct *
    from (
        select
            id__,
            unnest([{{ nik_match_keys('keyed') }}]) as nama_key,
        from keyed
        where id__ is not null
    )
    where nama_key is not null
{%- endset -%}
with

-- not materialized: its two readers below (match_keys) each scan the table for their columns
keyed as not materialized (
    select
        nik,
        nik_wrong_length,
        nama_key,
        tanggal_lahir,
    from {{ ref('int_person_match_records') }}
),

-- each NIK with its match keys (match_keys above)
distinct_nik_names as (
    select
        nik,
        -- the NIK as a number (always 16 digits here: parse_id_number's valid_length), so that
        -- the digits two NIKs share below are integer keys, which hash and compare faster and
        -- hold less memory than substrings (digits 1-11 of a 16-digit number: // 10^5)
        cast(nik as bigint) as nik_number,
        nama_key,
    from ({{ match_keys | replace('id__', 'nik') }})
),

-- NIKs one digit apart or with two adjacent digits swapped (a transposition while typing),
-- with the same name key (or birth date). Two NIKs one digit apart (16 digits:
-- parse_id_number's valid_length) share digits 1-11 (the different digit is in 12-16), digits
-- 1-6 and 12-16 (it is in 7-11) or digits 7-16 (it is in the region, 1-6: a mover's NIK
-- typed with another district's digit is_nik_region_typo_located); two with a swap share
-- digits 1-10 (the swap is in 11-16), 1-6 and 12-16 (in 7-11) or 8-16 (in 1-7). An
-- equi-join on each part finds every pair, where masking each of the 16 positions joined
-- lists of masked forms, and listing each NIK's 15 swapped forms joined 24M strings (same
-- pairs; ~10 s less at kit `jember`). Each part holds the birth digits or the region, so the
-- pairs per NIK do not grow with the population
nik_near_pairs as (
    {#- (the digits two NIKs share, one digit apart, a swap apart, only under the name key) #}
    {%- for shared_part, one_digit, swap, only_names in [
        ('a.nik_number // 100000 = b.nik_number // 100000', true, false, false),
        ('a.nik_number // 10000000000 = b.nik_number // 10000000000'
            ~ ' and a.nik_number % 100000 = b.nik_number % 100000', true, true, false),
        ('a.nik_number % 10000000000 = b.nik_number % 10000000000', true, false, true),
        ('a.nik_number // 1000000 = b.nik_number // 1000000', false, true, false),
        ('a.nik_number % 1000000000 = b.nik_number % 1000000000', false, true, false),
    ] %}
    select
        a.nik as nik_a,
        b.nik as nik_b,
        a.nama_key
    from distinct_nik_names as a
    inner join distinct_nik_names as b
        on {{ shared_part }} and a.nama_key = b.nama_key and a.nik < b.nik
            {%- if swap and not one_digit %}
            -- a swap of two digits keeps the number's remainder by 9 (its digit sum's): a key
            -- that leaves the swap test a ninth of the pairs (digits 8-16 are shared by any two
            -- people born one day with one serial in two districts, digits 1-10 by any two of
            -- one district born on one day and month)
            and a.nik_number % 9 = b.nik_number % 9
            {%- endif %}
            and (
                {%- if one_digit %} hamming(a.nik, b.nik) = 1{% endif %}
                {%- if one_digit and swap %} or{% endif %}
                {%- if swap %} {{ niks_adjacent_digits_swapped('a.nik', 'b.nik') }}{% endif %}
            )
    {%- if only_names %}
    -- the name key only: NIKs a region digit apart have the same birth digits, so the same
    -- birth date pairs every two people born that day with one serial in two districts, and
    -- such a typo links only under the same name key (is_near_nik_name_birth)
    where starts_with(a.nama_key, 'N')
    {%- endif %}
    {%- if not loop.last %}
    union
    {%- endif %}
    {%- endfor %}
),

-- a 15- or 17-digit NIK (one digit dropped or doubled) and the 16-digit NIKs it becomes by one
-- insertion or deletion, under the same name key or birth date. The changed position is in
-- the first or the last eight digits, so the other half is equal: two equi-joins find them
wrong_length_niks as (
    {{ match_keys | replace('id__', 'nik_wrong_length') }}
),

nik_indel_pairs as (
    {%- for half in ['left', 'right'] %}
    select
        w.nik_wrong_length,
        n.nik,
        n.nama_key
    from wrong_length_niks as w
    inner join distinct_nik_names as n
        on {{ half }}(w.nik_wrong_length, 8) = {{ half }}(n.nik, 8) and w.nama_key = n.nama_key
            and levenshtein(w.nik_wrong_length, n.nik) = 1
    {%- if not loop.last %}
    union
    {%- endif %}
    {%- endfor %}
)

select
    'nik_1digit' as typo,
    nik_a,
    nik_b,
    nama_key,
from nik_near_pairs
union all
select
    'nik_indel' as typo,
    nik_wrong_length as nik_a,
    nik as nik_b,
    nama_key,
from nik_indel_pairs
