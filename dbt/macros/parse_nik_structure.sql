{#- NIK structure (Dukcapil): digits 1-6 the region (province 2, regency 2, district 2),
    digits 7-12 the birth date DDMMYY with 40 added to DD for women, digits 13-16 a serial,
    never 0000. Each macro takes an already parsed 16-digit NIK (parse_id_number) and
    returns NULL when it cannot say. -#}

{% macro nik_birth_day_part(nik) -%}
    try_cast(substr({{ nik }}, 7, 2) as integer)
{%- endmacro %}

{% macro nik_sex(nik) -%}
    case
        when length({{ nik }}) != 16 then null
        when {{ nik_birth_day_part(nik) }} between 1 and 31 then 'L'
        when {{ nik_birth_day_part(nik) }} between 41 and 71 then 'P'
    end
{%- endmacro %}

{#- The NIK holds only a two-digit year. The century is the latest one that does not put the
    birth in the future; comparisons against TANGGAL_LAHIR use day, month and two-digit year
    only (nik_birth_date_mismatch), so a centenarian is not flagged for the century guess. -#}
{% macro nik_birth_date(nik) -%}
    case when length({{ nik }}) = 16 then
        try_strptime(
            lpad(cast({{ nik_birth_day_part(nik) }} % 40 as varchar), 2, '0')
            || substr({{ nik }}, 9, 2)
            || case
                when 2000 + cast(substr({{ nik }}, 11, 2) as integer) <= year(current_date)
                    then '20' else '19'
            end
            || substr({{ nik }}, 11, 2),
            '%d%m%Y'
        )::date
    end
{%- endmacro %}

{#- last_digit_untrusted: a boolean expression; a NIK read from a numeric .xlsx cell has its
    16th digit forced to 0, so a `0000` serial is then unknown rather than wrong. -#}
{% macro nik_structure_status(nik, last_digit_untrusted='false') -%}
    case
        when {{ nik }} is null or length({{ nik }}) != 16 then 'not_checked'
        when not regexp_full_match(substr({{ nik }}, 1, 6), '[1-9][0-9](0[1-9]|[1-9][0-9]){2}')
            then 'invalid_region'
        when {{ nik_birth_day_part(nik) }} not between 1 and 71
            or {{ nik_birth_day_part(nik) }} between 32 and 40
            or {{ nik_birth_date(nik) }} is null
            then 'invalid_birth_date'
        when substr({{ nik }}, 13, 4) = '0000' and not {{ last_digit_untrusted }}
            then 'invalid_serial'
        else 'valid'
    end
{%- endmacro %}

{#- The mismatch flags take the values derived from the NIK (nik_birth_date, nik_sex) so each
    is computed once per row. -#}
{% macro nik_birth_date_mismatch(nik_birth_date, birth_date) -%}
    coalesce(
        day({{ nik_birth_date }}) != day({{ birth_date }})
        or month({{ nik_birth_date }}) != month({{ birth_date }})
        or year({{ nik_birth_date }}) % 100 != year({{ birth_date }}) % 100,
        false
    )
{%- endmacro %}

{% macro nik_sex_mismatch(nik_sex, sex) -%}
    coalesce({{ nik_sex }} != {{ sex }}, false)
{%- endmacro %}

{#- Two NIKs (16 digits each) with two adjacent, different digits swapped while typing: they
    differ in exactly two digits and the swap explains both (false, not null, when either NIK
    is missing). A CASE, not an AND: DuckDB evaluates both sides of an AND, and the list over
    15 positions costs ~1.6 us a pair (most of the comparison model's time on ~11M pairs, or
    of a blocking join's on 2M pairs two digits apart). Two NIKs a swap apart have the same
    digit sum, so their difference is a multiple of 9: that cheap test first leaves the list
    ~1 pair in 9 it would otherwise see. -#}
{% macro niks_adjacent_digits_swapped(nik_a, nik_b) -%}
    case
        when hamming({{ nik_a }}, {{ nik_b }}) = 2
            and (cast({{ nik_a }} as bigint) - cast({{ nik_b }} as bigint)) % 9 = 0
            then coalesce(len([
                pos for pos in range(1, 16)
                if substr({{ nik_a }}, pos, 1) = substr({{ nik_b }}, pos + 1, 1)
                and substr({{ nik_a }}, pos + 1, 1) = substr({{ nik_b }}, pos, 1)
                and substr({{ nik_a }}, pos, 1) <> substr({{ nik_a }}, pos + 1, 1)
            ]) > 0, false)
        else false
    end
{%- endmacro %}
