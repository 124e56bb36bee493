{#- Contract: "A blank required value is a problem to flag on that row, not a reason to drop it",
    and a value that does not read as its column's type (an impossible date such as 31-02-1980,
    an unknown code) is an invalid value, not a crash. The row is kept either way; this is its
    list of such problems, `<column> blank` or `<column> invalid`, empty when there is none.

    checks: (column, raw text, value read from it or none, required). A required column is
    `blank` when its text is empty; any column with text but no value read is `invalid`. -#}
{% macro value_problems(checks) -%}
    list_filter(
        [
            {%- for column, raw, value, required in checks %}
            case
                {%- if required %}
                when nullif(trim({{ raw }}), '') is null then '{{ column }} blank'
                {%- endif %}
                {%- if value is not none %}
                when nullif(trim({{ raw }}), '') is not null and {{ value }} is null
                    then '{{ column }} invalid'
                {%- endif %}
            end{{ ',' if not loop.last }}
            {%- endfor %}
        ],
        lambda problem: problem is not null
    )
{%- endmacro %}
