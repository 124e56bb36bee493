{#- Identity numbers (NIK, NO_KK) as the contract says they arrive: a leading `'`, spaces,
    dots or dashes inside, a trailing `.0` (an Excel number printed as float; also `.00`,
    `,00` and thousands commas, the other ways a number cell prints), scientific
    notation (`3.50912E+15`: the last digits are lost, so the value is unusable), fewer or
    more than 16 digits, or empty.

    parse_id_number(column)  -> the digits, or NULL when empty / scientific / not digits
    id_number_status(column) -> empty | scientific_notation | invalid_characters
                                | wrong_length | valid_length
    id_number_is_truncated(digits) -> 16 digits saved from an E+15 display (see below)
-#}

{% macro _id_number_is_scientific(column) -%}
    regexp_full_match(
        regexp_replace({{ column }}, '[\s\x{00A0}'']', '', 'g'),
        '[0-9]+([.,][0-9]+)?[eE]\+?[0-9]+'
    )
{%- endmacro %}

{% macro _id_number_stripped(column) -%}
    {#- A number cell printed as text: a decimal part of zeros (`.0`, `.00`, or `,00` in the
        Indonesian locale: one or two digits after the last separator are decimals, as the
        contract reads every number) and thousands separators (`3.509.015.501.800.001`,
        `3,509,015,501,800,001`). Order matters: the decimal part goes before the separators. -#}
    regexp_replace(
        regexp_replace(
            regexp_replace({{ column }}, '[\s\x{00A0}'']', '', 'g'),
            '[.,]0{1,2}$', ''
        ),
        '[.,\-]', '', 'g'
    )
{%- endmacro %}

{% macro parse_id_number(column) -%}
    case
        when {{ _id_number_is_scientific(column) }} then null
        when regexp_full_match({{ _id_number_stripped(column) }}, '[0-9]+')
            then {{ _id_number_stripped(column) }}
    end
{%- endmacro %}

{% macro id_number_status(column) -%}
    case
        when coalesce({{ _id_number_stripped(column) }}, '') = '' then 'empty'
        when {{ _id_number_is_scientific(column) }} then 'scientific_notation'
        when not regexp_full_match({{ _id_number_stripped(column) }}, '[0-9]+')
            then 'invalid_characters'
        when length({{ _id_number_stripped(column) }}) = 16 then 'valid_length'
        else 'wrong_length'
    end
{%- endmacro %}

{#- `_id_numeric_cells` lists the identity columns that came from numeric .xlsx cells: a
    spreadsheet keeps 15 significant digits, so their 16th digit cannot be trusted. -#}
{% macro id_number_from_numeric_cell(id_numeric_cells, column_name) -%}
    coalesce(
        list_contains(
            string_split(replace(lower({{ id_numeric_cells }}), ' ', ''), ','),
            '{{ column_name }}'
        ),
        false
    )
{%- endmacro %}

{#- 16 digits ending in eight or more zeros: a number a spreadsheet saved after displaying it as
    E+15 (`3.5093E+15` stored as 3509300000000000), its last digits lost. No NIK or NO_KK is
    issued so: digits 7-12 are a date (month 00 is none) and the serial is never 0000. A number
    cell that only lost its 16th digit keeps a real date. -#}
{% macro id_number_is_truncated(digits) -%}
    coalesce(regexp_full_match({{ digits }}, '[0-9]{8}0{8}'), false)
{%- endmacro %}
