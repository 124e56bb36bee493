{#- Identity numbers (NIK, NO_KK) as the contract says they arrive: a leading `'`, spaces,
    dots or dashes inside, a trailing `.0` (an Excel number printed as float), scientific
    notation (`3.50912E+15`: the last digits are lost, so the value is unusable), fewer or
    more than 16 digits, or empty.

    parse_id_number(column)  -> the digits, or NULL when empty / scientific / not digits
    id_number_status(column) -> empty | scientific_notation | invalid_characters
                                | wrong_length | valid_length
-#}

{% macro _id_number_is_scientific(column) -%}
    regexp_full_match(
        regexp_replace({{ column }}, '[\s\x{00A0}'']', '', 'g'),
        '[0-9]+([.,][0-9]+)?[eE]\+?[0-9]+'
    )
{%- endmacro %}

{% macro _id_number_stripped(column) -%}
    {#- order matters: the trailing `.0` goes before the dots do -#}
    regexp_replace(
        regexp_replace(
            regexp_replace({{ column }}, '[\s\x{00A0}'']', '', 'g'),
            '\.0$', ''
        ),
        '[.\-]', '', 'g'
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
