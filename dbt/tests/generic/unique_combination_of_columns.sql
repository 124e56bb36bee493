{#- The given columns together identify a row (a small stand-in for dbt_utils'
    unique_combination_of_columns: the project takes no packages). -#}
{% test unique_combination_of_columns(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as rows_with_this_key,
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
