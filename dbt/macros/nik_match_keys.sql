{#- The keys under which two NIKs a typing slip apart are paired (int_person_nik_typo_pairs) and
    under which int_person_pairs_candidates finds the records that carry them: the record's name
    key ('N' || nama_key) and its birth date ('D' || the date), either null when the record has
    none. Two expressions, comma-separated: for `in (...)` or a list `[...]`. -#}
{% macro nik_match_keys(record) -%}
    'N' || {{ record }}.nama_key, 'D' || cast({{ record }}.tanggal_lahir as varchar)
{%- endmacro %}

{#- Each distinct value of an identity column of `records` (`id_column`: the NIK, or a NIK of
    the wrong length) with each match key above that its records carry: the rows
    int_person_nik_match_keys and int_person_nik_typo_pairs (its 15- and 17-digit NIKs) join
    on. -#}
{% macro nik_match_key_rows(records, id_column) -%}
    select distinct *
    from (
        select
            r.{{ id_column }},
            unnest([{{ nik_match_keys('r') }}]) as nama_key,
        from {{ records }} as r
        where r.{{ id_column }} is not null
    )
    where nama_key is not null
{%- endmacro %}
