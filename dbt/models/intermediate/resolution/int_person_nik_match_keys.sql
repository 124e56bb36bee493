{#- Each 16-digit NIK with each match key its records carry (macro nik_match_keys: the name
    key and, apart, the birth date), as numbers for the self-joins of int_person_nik_typo_pairs.
    A table of its own, not a CTE of that model: DuckDB estimated the CTE at a few thousand
    rows, gave its fifteen joins' hash tables memory for that, and they spilled 4.5 GB at kit
    `jember` (11.2 s against 3.3 s on this table, whose size DuckDB knows; docs/benchmarks.md). -#}
select
    nik,
    -- the NIK as a number (always 16 digits here: parse_id_number's valid_length), so that
    -- the digits two NIKs share are integer keys, which hash and compare faster and hold less
    -- memory than substrings
    cast(nik as bigint) as nik_number,
    nama_key,
    -- the key as a number as well: two keys of one hash are joined as if equal (a chance of
    -- about 1 in 10^7 per run at province scale), which makes no candidate pair, because
    -- int_person_pairs_candidates pairs two records only when both carry the pair's nama_key
    hash(nama_key) as nama_key_hash,
from ({{ nik_match_key_rows(ref('int_person_match_records'), 'nik') }})
