{#- Enumerated values match case- and space-insensitively (contract). Each macro first
    reduces the text to upper case without spaces, dots, dashes and slashes. -#}

{% macro _enum_key(column) -%}
    regexp_replace(upper({{ column }}), '[\s\x{00A0}.\-/_]', '', 'g')
{%- endmacro %}

{#- Sex: L, P, LAKI-LAKI, PEREMPUAN, 1 (L), 2 (P) -> 'L' / 'P' -#}
{% macro parse_sex(column) -%}
    case {{ _enum_key(column) }}
        when 'L' then 'L'
        when 'LAKILAKI' then 'L'
        when 'LK' then 'L'
        when '1' then 'L'
        when 'P' then 'P'
        when 'PEREMPUAN' then 'P'
        when 'PR' then 'P'
        when '2' then 'P'
    end
{%- endmacro %}

{#- Relationship to the head of the family (SHDK): text or code -> code 1-9 -#}
{% macro parse_relationship_code(column) -%}
    case {{ _enum_key(column) }}
        when 'KEPALAKELUARGA' then 1
        when 'KK' then 1
        when '1' then 1
        when 'ISTRI' then 2
        when 'SUAMI' then 2
        when 'ISTRISUAMI' then 2
        when 'SUAMIISTRI' then 2
        when '2' then 2
        when 'ANAK' then 3
        when '3' then 3
        when 'MENANTU' then 4
        when '4' then 4
        when 'CUCU' then 5
        when '5' then 5
        when 'ORANGTUA' then 6
        when '6' then 6
        when 'MERTUA' then 7
        when '7' then 7
        when 'FAMILILAIN' then 8
        when '8' then 8
        when 'LAINNYA' then 9
        when '9' then 9
    end
{%- endmacro %}

{% macro relationship_text(code) -%}
    case {{ code }}
        when 1 then 'KEPALA KELUARGA'
        when 2 then 'ISTRI/SUAMI'
        when 3 then 'ANAK'
        when 4 then 'MENANTU'
        when 5 then 'CUCU'
        when 6 then 'ORANG TUA'
        when 7 then 'MERTUA'
        when 8 then 'FAMILI LAIN'
        when 9 then 'LAINNYA'
    end
{%- endmacro %}

{#- Yes/no: YA/TIDAK, Y/T, 1/0 -> boolean, NULL when blank or unknown -#}
{% macro parse_yes_no(column) -%}
    case {{ _enum_key(column) }}
        when 'YA' then true
        when 'Y' then true
        when '1' then true
        when 'TRUE' then true
        when 'ADA' then true
        when 'TIDAK' then false
        when 'T' then false
        when '0' then false
        when 'FALSE' then false
        when 'TIDAKADA' then false
    end
{%- endmacro %}

{#- DTKS STATUS_HIDUP: HIDUP / MENINGGAL -> is_alive -#}
{% macro parse_is_alive(column) -%}
    case {{ _enum_key(column) }}
        when 'HIDUP' then true
        when 'MENINGGAL' then false
        when 'MENINGGALDUNIA' then false
    end
{%- endmacro %}

{#- DTKS STATUS_PADAN: PADAN / TIDAK PADAN -> is_padan (matched to Dukcapil records) -#}
{% macro parse_is_padan(column) -%}
    case {{ _enum_key(column) }}
        when 'PADAN' then true
        when 'TIDAKPADAN' then false
    end
{%- endmacro %}

{#- PKH STATUS_KPM: AKTIF, GRADUASI, NON AKTIF / DIKELUARKAN -> canonical text -#}
{% macro parse_status_kpm(column) -%}
    case {{ _enum_key(column) }}
        when 'AKTIF' then 'AKTIF'
        when 'GRADUASI' then 'GRADUASI'
        when 'NONAKTIF' then 'NON AKTIF'
        when 'DIKELUARKAN' then 'NON AKTIF'
    end
{%- endmacro %}

{#- Key to join a free-text enumerated value to a seed's canonical text (same reduction). -#}
{% macro enum_key(column) -%}
    {{ _enum_key(column) }}
{%- endmacro %}
