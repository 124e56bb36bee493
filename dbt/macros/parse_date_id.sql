{#- Dates as the contract allows them: DD-MM-YYYY, DD/MM/YYYY, YYYY-MM-DD (an .xlsx datetime
    cell arrives as `YYYY-MM-DD HH:MM:SS`), `12 Mei 1980`, `3 Agustus 1975`, `12 Agu 1980`
    (also `12-Agu-1980`), or
    an Excel date serial number. An impossible date (31-02-1980) or anything else is NULL,
    never an error: every branch goes through try_strptime. -#}

{% macro _indonesian_month_number(month_name) -%}
    case left(lower({{ month_name }}), 3)
        when 'jan' then '01'
        when 'feb' then '02'
        when 'peb' then '02'
        when 'mar' then '03'
        when 'apr' then '04'
        when 'mei' then '05'
        when 'may' then '05'
        when 'jun' then '06'
        when 'jul' then '07'
        when 'agu' then '08'
        when 'ags' then '08'
        when 'agt' then '08'
        when 'aug' then '08'
        when 'sep' then '09'
        when 'okt' then '10'
        when 'oct' then '10'
        when 'nov' then '11'
        when 'nop' then '11'
        when 'des' then '12'
        when 'dec' then '12'
    end
{%- endmacro %}

{% macro parse_date_id(column) -%}
    case
        when regexp_full_match(trim({{ column }}), '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}( [0-9:.]+)?')
            then try_strptime(split_part(trim({{ column }}), ' ', 1), '%Y-%m-%d')::date
        when regexp_full_match(trim({{ column }}), '[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}')
            then try_strptime(
                regexp_replace(trim({{ column }}), '[/.]', '-', 'g'), '%d-%m-%Y'
            )::date
        {# `D MMMM YYYY`, also with dashes or slashes (`12-Agu-1980`: a spreadsheet's d-mmm-yyyy
            date format, printed as text when saved as CSV); a two-digit year is not read #}
        when regexp_full_match(trim({{ column }}), '[0-9]{1,2}[\s/.-]+[A-Za-z]{3,}\.?[\s/.-]+[0-9]{4}')
            then try_strptime(
                regexp_extract(trim({{ column }}), '^([0-9]{1,2})', 1)
                || '-'
                || coalesce(
                    {{ _indonesian_month_number(
                        "regexp_extract(trim(" ~ column ~ "), '([A-Za-z]+)', 1)"
                    ) }},
                    'xx'
                )
                || '-'
                || regexp_extract(trim({{ column }}), '([0-9]{4})$', 1),
                '%d-%m-%Y'
            )::date
        {# Excel serial: day 1 is 1900-01-01 and Excel counts a 29-02-1900 that never was,
            so day n is 1899-12-30 + n after February 1900. Serials below 3000 (1908) are
            refused so that a bare year (`1980`) is not read as a date in 1905. #}
        when regexp_full_match(trim({{ column }}), '[0-9]{1,5}(\.[0-9]+)?')
            and try_cast(trim({{ column }}) as double) >= 3000
            then (date '1899-12-30' + cast(floor(cast(trim({{ column }}) as double)) as integer))
    end
{%- endmacro %}
