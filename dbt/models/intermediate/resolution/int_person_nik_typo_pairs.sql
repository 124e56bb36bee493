{#- Pairs of NIKs a typing slip apart, under the same name key or birth date of their records:
    one digit different or two adjacent digits swapped (typo 'nik_1digit': two 16-digit NIKs),
    or one digit dropped or doubled (typo 'nik_indel': nik_a the 15- or 17-digit NIK, nik_b the
    16-digit NIK it becomes). int_person_pairs_candidates pairs the records that carry them
    (its blocks nik_1digit and nik_indel). A model of its own, not a CTE of the candidates: its
    self-joins hold their hash tables until the query ends, and beside the candidates'
    other blocks they made that query spill 1.1-1.3 GB at kit `jember` (memory_limit 1.5GB):
    apart, 2.6 s and 2.7 s without spilling against 7.6 s in one (docs/benchmarks.md). -#}
with

-- int_person_nik_match_keys: each 16-digit NIK with each match key of its records
match_keys as (
    select * from {{ ref('int_person_nik_match_keys') }}
),

-- NIKs one digit apart or with two adjacent digits swapped (a transposition while typing),
-- with the same name key (or birth date). Both change only digits p and p + 1 for some p, so
-- each p joins the NIKs equal outside those two digits and tests the two: one digit
-- different (each position once: the p that are odd), or the two swapped (every p). A key
-- that leaves out only two digits is shared by at most 100 NIKs of one name key, whatever
-- the population: joining on the digits on one side of the typo instead (digits 1-11 for a
-- typo in the serial) tested every pair of a district's people born on one day, 305M + 263M
-- pairs at province scale against 0.33M at kit `jember`, 891 s (docs/benchmarks.md)
nik_near_pairs as (
    {%- for p in range(1, 16) %}
    {#- digit p of the NIK is the one of place value 10^(16 - p) #}
    {%- set high, low = 10 ** (16 - p), 10 ** (15 - p) %}
    {%- set digit_p = '(side__.nik_number // ' ~ high ~ ') % 10' %}
    {%- set digit_next = '(side__.nik_number // ' ~ low ~ ') % 10' %}
    {%- set without_p = 'side__.nik_number // ' ~ high * 10 ~ ' * ' ~ low ~ ' + side__.nik_number % ' ~ low %}
    select
        a.nik as nik_a,
        b.nik as nik_b,
        a.nama_key
    from match_keys as a
    -- digits 1 to p - 1 and p + 2 to 16 equal: the NIK without digits p and p + 1, one key
    -- (two keys cost ~10% more at province scale)
    inner join match_keys as b
        on a.nama_key_hash = b.nama_key_hash
            and {{ without_p | replace('side__', 'a') }} = {{ without_p | replace('side__', 'b') }}
            and a.nik_number < b.nik_number
            and (
                {%- if p is odd %}
                -- one digit different: digit p or digit p + 1 equal
                (
                    (
                        {{ digit_p | replace('side__', 'a') }} = {{ digit_p | replace('side__', 'b') }}
                        or {{ digit_next | replace('side__', 'a') }} = {{ digit_next | replace('side__', 'b') }}
                    )
                    {%- if p <= 5 %}
                    -- in the region (digits 1-6), the name key only: NIKs a region digit apart
                    -- have the same birth digits, so the same birth date pairs every two people
                    -- born that day with one serial in two districts, and such a typo links
                    -- only under the same name key (is_near_nik_name_birth)
                    and starts_with(a.nama_key, 'N')
                    {%- endif %}
                )
                or
                {%- endif %}
                -- the two swapped
                (
                    {{ digit_p | replace('side__', 'a') }} = {{ digit_next | replace('side__', 'b') }}
                    and {{ digit_next | replace('side__', 'a') }} = {{ digit_p | replace('side__', 'b') }}
                    and {{ digit_p | replace('side__', 'a') }} <> {{ digit_next | replace('side__', 'a') }}
                )
            )
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

-- a 15- or 17-digit NIK (one digit dropped or doubled) and the 16-digit NIKs it becomes by one
-- insertion or deletion, under the same name key or birth date. The changed position is in
-- the first or the last eight digits, so the other half is equal: two equi-joins find them
wrong_length_niks as (
    {{ nik_match_key_rows(ref('int_person_match_records'), 'nik_wrong_length') }}
),

nik_indel_pairs as (
    {%- for half in ['left', 'right'] %}
    select
        w.nik_wrong_length,
        n.nik,
        n.nama_key
    from wrong_length_niks as w
    inner join match_keys as n
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
