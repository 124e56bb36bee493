{#- A birth date registries enter when the real one is unknown (1 July, 1 January): it says
    little about who someone is. Resolution scores it low and links on no name and such a date
    (int_person_match_records); the birth-date and name block leaves it out, and so does the
    gate's count of that block (int_delivery_blocks). False when the date is unknown. -#}
{% macro is_default_birth_date(birth_date) -%}
    coalesce(
        (month({{ birth_date }}) = 7 and day({{ birth_date }}) = 1)
        or (month({{ birth_date }}) = 1 and day({{ birth_date }}) = 1),
        false
    )
{%- endmacro %}
