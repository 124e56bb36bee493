{#- Candidate pairs of person records (blocking only; int_person_pairs_scored scores them).
    Never all pairs: a pair is considered only when the two records share a block:
      nik        the same NIK (first 15 digits when a 16th digit is untrusted)
      nik_indel  a 15- or 17-digit NIK one digit inserted or deleted from a NIK, with the
                 same name key or birth date
      nik_1digit NIKs one digit apart (or two adjacent digits swapped) with the same name key
                 or the same birth date (twins and 1 July elders are often one digit apart:
                 needs more). Without one of them such a pair scores below the review band
                 unless it shares NO_KK or ID_PKH, whose blocks find it; requiring it cuts this
                 block from 13M to 0.7M pairs at jember scale. The birth date finds a NIK typo
                 whose name was also written another way (swapped words, a letter typo).
      no_kk      the same family card
      id_pkh     the same PKH family id (a recipient's rows over stages)
      birth_name the same birth date (no registry default) and name key, or the same key of
                 the name's words in alphabetical order (a two-part name written the other
                 way round), in one kecamatan; regency-wide only from a record without a
                 usable NIK, with a NIK that names no kecamatan, or without a kecamatan.
                 Every rule that links on a name and a birth date needs a date that is no
                 default and, across kecamatan, a lost NIK (rare_name_birth's mover) or a
                 NIK a typo apart, which the nik_1digit block finds. Keyed by region, the
                 block's pairs per record stay flat as the population grows; regency-wide
                 they grew with it (docs/benchmarks.md)
      desa_name  the same village and name key (or sorted-words key), when one record has
                 no usable NIK
      desa_birth the same village and birth date (no registry default), when one record has
                 no usable NIK and the names' keys differ: a lost NIK whose name was also
                 mistyped (IMAM IQBAL / IMAM IKBAL) shares no other block with its person
                 (near_name_birth_desa in int_person_pairs_scored)
      card_move  two DTKS records on two cards of one family (int_person_related_cards), the
                 one record of a name on each (int_person_card_move_pairs: card_move_name in
                 int_person_pairs_scored)
      pkh_desa   a PKH recipient whose NIK no DTKS row carries, with the DTKS rows of the same
                 village and name key (or sorted-words key) that have a NIK, and with the DTKS
                 rows of that village without a NIK whose birth date and sex give the birth
                 digits (7-12) of the recipient's NIK: a NIK typo in any of the 16 digits (the
                 nik_1digit block only reaches digits 7-16 under an equal name key or birth
                 date, and PKH has no birth date), or a lost NIK with the name written another
                 way, reaches scoring (pkh_near_nik_desa in int_person_pairs_scored)
    Only canonical rows (not repeats of a delivery) take part.
    Each pair once, rid_a < rid_b (rid: int_person_match_records). -#}
{#- a block key shared by more records than this (a placeholder NIK or card pasted on thousands
    of rows, a name and date regency-wide) makes no pairs: it cannot identify anyone, and its
    pairs would grow with the square of its size -#}
{%- set block_max_rows = var('person_block_max_rows', 1000) -%}
with

-- not materialized: read ~30 times below, DuckDB would otherwise copy the records into a
-- temporary result first; each join reading the table itself, with only its columns and
-- filters, is the same pairs in 19 s instead of 32 s at kit `jember` (docs/benchmarks.md)
keyed as not materialized (
    select * from {{ ref('int_person_match_records') }}
),

-- NIKs a typing slip apart under the same name key or birth date (macro nik_match_keys):
-- int_person_nik_typo_pairs
nik_typo_pairs as (
    select * from {{ ref('int_person_nik_typo_pairs') }}
),

candidates as (
    select
        a.rid as rid_a,
        b.rid as rid_b
    from keyed as a inner join keyed as b
        on a.nik15 = b.nik15 and a.rid < b.rid and a.nik15_rows <= {{ block_max_rows }}
    union
    select
        a.rid as rid_a,
        b.rid as rid_b
    from nik_typo_pairs as p
    inner join
        keyed
            as a
        on a.nik = p.nik_a and p.nama_key in ({{ nik_match_keys('a') }})
            and a.nik15_rows <= {{ block_max_rows }}
    inner join
        keyed
            as b
        on b.nik = p.nik_b and p.nama_key in ({{ nik_match_keys('b') }})
            and b.nik15_rows <= {{ block_max_rows }}
    where p.typo = 'nik_1digit'
    union
    select
        a.rid as rid_a,
        b.rid as rid_b
    from nik_typo_pairs as p
    inner join
        keyed
            as a
        on a.nik_wrong_length = p.nik_a
            and p.nama_key in ({{ nik_match_keys('a') }})
    inner join
        keyed
            as b
        on b.nik = p.nik_b
            and p.nama_key in ({{ nik_match_keys('b') }})
            and b.nik15_rows <= {{ block_max_rows }}
    where p.typo = 'nik_indel'
    union
    select
        a.rid as rid_a,
        b.rid as rid_b
    from keyed as a inner join keyed as b
        on a.no_kk = b.no_kk and a.rid < b.rid and a.no_kk_rows <= {{ block_max_rows }}
    union
    select
        a.rid as rid_a,
        b.rid as rid_b
    from keyed as a inner join keyed as b
        on a.id_pkh = b.id_pkh and a.rid < b.rid and a.id_pkh_rows <= {{ block_max_rows }}
    union
    {#- birth_name with the name key, then with the key of the name's words in alphabetical
        order (a two-part name written the other way round, a variant the raw contract lists:
        FITRI AULIA / AULIA FITRI; pairs with an equal name key come from the first) #}
    {%- for name_key, block_rows, other_key in [
        ('nama_key', 'birth_name_rows', ''),
        ('nama_sorted_key', 'birth_sorted_name_rows', 'and a.nama_key <> b.nama_key'),
    ] %}
    -- in one kecamatan
    select
        a.rid as rid_a,
        b.rid as rid_b
    from keyed as a inner join keyed as b
        on a.kode_kecamatan = b.kode_kecamatan
            and a.tanggal_lahir = b.tanggal_lahir and a.{{ name_key }} = b.{{ name_key }}
            and a.rid < b.rid and a.{{ block_rows }} <= {{ block_max_rows }}
            -- pairs already sharing a NIK come from the nik block
            and a.nik15 is distinct from b.nik15
            {%- if other_key %} {{ other_key }}{% endif %}
    where not a.is_default_birth_date
    union
    -- regency-wide, driven from the records without a NIK, with a NIK that names no kecamatan
    -- of the regency (its region digits mistyped) or without a kecamatan, so common names do
    -- not make every pair
    select
        a.rid as rid_a,
        b.rid as rid_b
    from keyed as a inner join keyed as b
        on a.tanggal_lahir = b.tanggal_lahir and a.{{ name_key }} = b.{{ name_key }}
            and a.rid <> b.rid and a.{{ block_rows }} <= {{ block_max_rows }}
            and a.nik15 is distinct from b.nik15
            {%- if other_key %} {{ other_key }}{% endif %}
    where (a.nik is null or a.is_nik_kecamatan_unknown or a.kode_kecamatan is null)
        and not a.is_default_birth_date
    union
    {%- endfor %}
    -- driven from the records without a NIK, so common names do not make every pair
    select
        a.rid as rid_a,
        b.rid as rid_b
    from keyed as a inner join keyed as b
        on a.kode_desa = b.kode_desa and a.nama_key = b.nama_key
            and a.rid <> b.rid and a.desa_name_rows <= {{ block_max_rows }}
    where a.nik is null
    union
    select
        a.rid as rid_a,
        b.rid as rid_b
    from keyed as a inner join keyed as b
        on a.kode_desa = b.kode_desa and a.nama_sorted_key = b.nama_sorted_key
            and a.rid <> b.rid and a.desa_sorted_name_rows <= {{ block_max_rows }}
            and a.nama_key <> b.nama_key
    where a.nik is null
    union
    -- driven from the records without a NIK, as desa_name; names with one key come from there
    select
        a.rid as rid_a,
        b.rid as rid_b
    from keyed as a inner join keyed as b
        on a.kode_desa = b.kode_desa and a.tanggal_lahir = b.tanggal_lahir
            and a.rid <> b.rid and a.desa_birth_rows <= {{ block_max_rows }}
            and a.nama_key <> b.nama_key
    where a.nik is null and not a.is_default_birth_date
    union
    -- a member of a family carried onto another card whose NIK was lost or mistyped on one
    select
        rid_a,
        rid_b,
    from {{ ref('int_person_card_move_pairs') }}
    union
    -- a PKH recipient whose NIK no DTKS row carries, with the DTKS rows of the village that
    -- carry a NIK under the same name key or sorted-words key
    select
        a.rid as rid_a,
        b.rid as rid_b
    from keyed as a inner join keyed as b
        on a.kode_desa = b.kode_desa and a.nama_key = b.nama_key
            and a.desa_name_rows <= {{ block_max_rows }}
    where a.source = 'pkh' and a.nik is not null and not a.is_nik_on_dtks
        and b.source = 'dtks' and b.nik is not null
    union
    select
        a.rid as rid_a,
        b.rid as rid_b
    from keyed as a inner join keyed as b
        on a.kode_desa = b.kode_desa and a.nama_sorted_key = b.nama_sorted_key
            and a.desa_sorted_name_rows <= {{ block_max_rows }}
            and a.nama_key <> b.nama_key
    where a.source = 'pkh' and a.nik is not null and not a.is_nik_on_dtks
        and b.source = 'dtks' and b.nik is not null
    union
    -- and with the DTKS rows of the village without a NIK born on the day (and of the sex)
    -- the recipient's NIK says
    select
        a.rid as rid_a,
        b.rid as rid_b
    from keyed as a inner join keyed as b
        on a.kode_desa = b.kode_desa and substr(a.nik, 7, 6) = b.date_birth_digits
            and a.desa_birth_digits_rows <= {{ block_max_rows }}
    where a.source = 'pkh' and a.nik is not null and not a.is_nik_on_dtks
        and b.source = 'dtks' and b.nik is null
)

select distinct
    least(rid_a, rid_b) as rid_a,
    greatest(rid_a, rid_b) as rid_b
from candidates
