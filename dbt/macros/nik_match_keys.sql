{#- The keys under which two NIKs a typing slip apart are paired (int_person_nik_typo_pairs) and
    under which int_person_pairs_candidates finds the records that carry them: the record's name
    key ('N' || nama_key) and its birth date ('D' || the date), either null when the record has
    none. Two expressions, comma-separated: for `in (...)` or a list `[...]`. -#}
{% macro nik_match_keys(record) -%}
    'N' || {{ record }}.nama_key, 'D' || cast({{ record }}.tanggal_lahir as varchar)
{%- endmacro %}
