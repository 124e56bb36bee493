{#- "The latest row wins" as an integer. A model gives each row a `recency_prefix` string that
    ends in '|' (what comes before the row: a date or stage, the delivery path, the sheet); the
    distinct prefixes are ranked as strings (a few thousand for a whole delivery), and a row's
    key is its prefix's rank times 10^9 plus its row number. That is the order of the string
    recency_prefix || lpad(row_number, 9) it replaces, for every row number below 10^9 and any
    path and sheet without '|'. arg_max over ~1.1M such strings held a string per aggregate and
    group: slower, and at jember scale out of memory at the 1.5GB limit (int_household_members
    beside mart_person); int_pkh_families took 7.1 s of CPU for its query with the string, 2.4 s
    with the integer.

    recency_prefix_ranks(rows): the body of a CTE ranking the distinct prefixes of `rows`.
    recency_key(prefix_rank, row_number): the key. -#}

{% macro recency_prefix_ranks(rows) -%}
    select
        recency_prefix,
        row_number() over (
            order by recency_prefix
        ) as prefix_rank,
    from (select distinct recency_prefix from {{ rows }})
{%- endmacro %}

{% macro recency_key(prefix_rank, row_number) -%}
    {{ prefix_rank }} * 1000000000 + {{ row_number }}
{%- endmacro %}
