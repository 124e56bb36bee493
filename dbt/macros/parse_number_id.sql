{#- Numbers as the contract allows them: `1.234.567`, `1,234,567`, `1234567`, `1.234,50`,
    `Rp 750.000`, `Rp750.000,00`, `Rp. 750.000`. A separator followed by exactly three
    digits groups thousands; a separator followed by one or two digits at the end is the
    decimal mark. Anything else that DuckDB reads as a number (`0.12345` from an .xlsx
    cell) is taken as written; the rest is NULL. Returns DOUBLE. -#}

{% macro _number_text(column) -%}
    regexp_replace(
        regexp_replace(upper(trim({{ column }})), '^RP\.?', ''),
        '[\s\x{00A0}]', '', 'g'
    )
{%- endmacro %}

{% macro parse_number_id(column) -%}
    case
        when regexp_full_match({{ _number_text(column) }}, '-?[0-9]+')
            then cast({{ _number_text(column) }} as double)
        when regexp_full_match({{ _number_text(column) }}, '-?[0-9]{1,3}([.,][0-9]{3})+')
            then cast(regexp_replace({{ _number_text(column) }}, '[.,]', '', 'g') as double)
        when regexp_full_match(
            {{ _number_text(column) }}, '-?([0-9]{1,3}([.,][0-9]{3})+|[0-9]+)[.,][0-9]{1,2}'
        )
            then cast(
                regexp_replace(
                    regexp_extract({{ _number_text(column) }}, '^(.*)[.,][0-9]{1,2}$', 1),
                    '[.,]', '', 'g'
                )
                || '.'
                || regexp_extract({{ _number_text(column) }}, '([0-9]{1,2})$', 1)
                as double
            )
        else try_cast({{ _number_text(column) }} as double)
    end
{%- endmacro %}

{#- Whole numbers (counts, years, stages): parse_number_id, then NULL unless integral. -#}
{% macro parse_integer_id(column) -%}
    case
        when {{ parse_number_id(column) }} = floor({{ parse_number_id(column) }})
            then cast({{ parse_number_id(column) }} as bigint)
    end
{%- endmacro %}
