{#- A column's values lie within [min_value, max_value] (either bound optional; NULL passes:
    not_null says whether NULL is allowed). Same signature as dbt_utils.accepted_range, which
    the project does not install (no network in the build). -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and (false
    {%- if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
    {%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %})
{% endtest %}
