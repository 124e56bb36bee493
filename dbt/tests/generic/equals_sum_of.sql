{#- The rollup property: every numeric column that `model` shares with `of` equals the sum of
    that column over the rows of `of` with the same `key` (with no key: over all rows of `of`,
    against a one-row model), except the ratios listed in `exclude`, which are recomputed, not
    summed. The columns are read from the two relations, so a measure added to both is checked
    without touching the test; one row is returned per key and column that differ, or per key
    found on one side only. Rupiah and km2 may carry fractions: compared to a cent. -#}
{% test equals_sum_of(model, of, key=none, exclude=[]) %}
{%- set numeric = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT',
                   'UINTEGER', 'UBIGINT', 'DOUBLE', 'FLOAT', 'REAL', 'DECIMAL'] -%}
{%- set columns = [] -%}
{%- if execute -%}
    {%- set parts = adapter.get_columns_in_relation(of) | map(attribute='name') | list -%}
    {%- for column in adapter.get_columns_in_relation(model) -%}
        {%- if column.name in parts and column.name != key and column.name not in exclude
              and (column.dtype | upper).split('(')[0] in numeric -%}
            {%- do columns.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- set join_key = key if key else "'all'" -%}
with

rolled_up as (
    select
        {{ join_key }} as rollup_key,
        {%- for column in columns %}
        coalesce(sum({{ column }}), 0)::double as {{ column }},
        {%- endfor %}
    from {{ of }}
    group by all
),

stated as (
    select {{ join_key }} as rollup_key, * from {{ model }}
),

compared as (
    select
        coalesce(stated.rollup_key, rolled_up.rollup_key) as rollup_key,
        unnest([
            struct_pack(measure := 'row on both sides', expected := 1::double,
                actual := (stated.rollup_key is not null and rolled_up.rollup_key is not null)::int::double),
            {%- for column in columns %}
            struct_pack(measure := '{{ column }}', expected := rolled_up.{{ column }},
                actual := stated.{{ column }}::double),
            {%- endfor %}
        ]) as compared_measure,
    from stated
    full outer join rolled_up on rolled_up.rollup_key = stated.rollup_key
)

select rollup_key, compared_measure.measure, compared_measure.expected, compared_measure.actual
from compared
where compared_measure.expected is distinct from compared_measure.actual
    and (compared_measure.expected is null or compared_measure.actual is null
         or abs(compared_measure.expected - compared_measure.actual) > 0.005)
{% endtest %}
