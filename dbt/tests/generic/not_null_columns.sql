{#- Every listed column is set in every row: a model's "must not be NULL" columns in one query,
    one dbt node, where dbt's own not_null takes a node (~40-55 ms of dbt per node) per column.
    One failure row per column that holds NULLs, naming it and counting its NULL rows (with
    `--store-failures`, the audit table reads `column_name, null_rows`). `where`, `severity` and
    the other test configs apply as to any generic test (dbt wraps `model` in the `where`). -#}
{% test not_null_columns(model, columns) %}
with null_counts as (
    select
        unnest([
            {%- for column in columns %}
            struct_pack(column_name := '{{ column }}', null_rows := count(*) filter (where {{ column }} is null)),
            {%- endfor %}
        ]) as counted
    from {{ model }}
)

select
    counted.column_name,
    counted.null_rows
from null_counts
where counted.null_rows > 0
{% endtest %}
