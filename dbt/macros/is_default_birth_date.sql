{#- A birth date registries enter when the real one is unknown: 1 July, 1 January and
    31 December (Dukcapil's placeholders; the contract: "a default birth date such as 1 July").
    It says little about who someone is. This macro is the one definition: it sets
    int_person_match_records.is_default_birth_date, which every later resolution model reads.
    Resolution scores such a date low and links on no name and such a date; the birth-date and
    name block leaves it out, and so does the gate's count of that block (int_delivery_blocks).
    False when the date is unknown. -#}
{% macro is_default_birth_date(birth_date) -%}
    coalesce(
        (month({{ birth_date }}) = 7 and day({{ birth_date }}) = 1)
        or (month({{ birth_date }}) = 1 and day({{ birth_date }}) = 1)
        or (month({{ birth_date }}) = 12 and day({{ birth_date }}) = 31),
        false
    )
{%- endmacro %}
