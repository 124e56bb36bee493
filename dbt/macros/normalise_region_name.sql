{#- Region names arrive as free text: any case, prefixes (`Kec.`, `Kecamatan`, `Ds.`, `Desa`,
    `Kel.`, `Kelurahan`), extra spaces, and hyphens or spaces inside compound names
    (`Sumber Sari` for `Sumbersari`). The normal form is lower case, prefix removed, letters
    and digits only. A prefix counts only when followed by a dot or a space, so a name that
    merely starts with those letters is kept whole. -#}

{% macro normalise_kecamatan_name(column) -%}
    regexp_replace(
        regexp_replace(lower(trim({{ column }})), '^(kecamatan|kec)(\.|\s)+', ''),
        '[^a-z0-9]', '', 'g'
    )
{%- endmacro %}

{% macro normalise_desa_name(column) -%}
    regexp_replace(
        regexp_replace(lower(trim({{ column }})), '^(kelurahan|kel|desa|ds)(\.|\s)+', ''),
        '[^a-z0-9]', '', 'g'
    )
{%- endmacro %}

{#- Case- and space-trimmed text: what an `exact` match compares. -#}
{% macro exact_region_name(column) -%}
    regexp_replace(lower(trim({{ column }})), '\s+', ' ', 'g')
{%- endmacro %}
