{#- Completed years on 1 January of `year_expr` (the PKH rule: "ages are taken on 1 January of
    TAHUN"). Negative for a child born during that year; NULL when the birth date is unknown. -#}
{% macro age_on_january_first(birth_date, year_expr) -%}
    ({{ year_expr }} - year({{ birth_date }})
        - case when strftime({{ birth_date }}, '%m%d') > '0101' then 1 else 0 end)
{%- endmacro %}
