{#- A table built in bounded parts: the model's query runs once per range of one integer
    column (config part_column, e.g. rid_a) and each part is inserted in turn, so that no
    single query holds more than ~part_rows rows (config part_rows) of a wide join.
    Why: int_person_pairs_compared joins every candidate pair to the person records on both
    sides; at province scale (158M pairs, 21M records) one such query spilled 55 GB under a 4 GB
    memory limit, while 16 parts each stay near the limit (docs/benchmarks.md).

    The ranges come from the row counts per value of part_column in the model named by config
    part_source (the relation the model's rows are driven by), cut every part_rows rows; the
    model reads its range through the macro in_build_part(column). With one part (any run below
    part_rows, so every run but the province one) the query runs once, unbounded, as a plain
    table would. Everything else follows dbt-duckdb's table materialization: built under an
    intermediate name and swapped in, so a failed part leaves the previous table in place. -#}
{% materialization table_in_parts, adapter='duckdb' %}
    {%- set part_column = config.require('part_column') -%}
    {%- set part_source = ref(config.require('part_source')) -%}
    {%- set part_rows = config.require('part_rows') | int -%}

    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
    {%- set backup_relation = make_backup_relation(target_relation, 'table' if existing_relation is none else existing_relation.type) -%}
    {{ drop_relation_if_exists(load_cached_relation(intermediate_relation)) }}
    {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- The upper bound of each part: the last value whose running row count stays in it. -#}
    {%- set bounds_query -%}
        with per_value as (
            select {{ part_column }} as value, count(*) as value_rows
            from {{ part_source }}
            group by all
        ),
        running as (
            select value, sum(value_rows) over (order by value rows unbounded preceding) as rows_upto
            from per_value
        )
        select max(value) as upper_bound
        from running
        group by (rows_upto - 1) // {{ part_rows }}
        order by upper_bound
    {%- endset -%}
    {%- set upper_bounds = run_query(bounds_query).columns[0].values() | list -%}
    {#- Each part starts after the one before. The first is open below and the last above, so
        that rows of the model not counted in part_source (e.g. the random pairs beside the
        candidates) fall in a part; an empty part_source gives one part, open both ways. -#}
    {%- set uppers = upper_bounds[:-1] + [none] -%}
    {%- set lowers = [none] -%}
    {%- for upper in upper_bounds[:-1] -%}
        {%- do lowers.append(upper + 1) -%}
    {%- endfor -%}
    {%- set parts = zip(lowers, uppers) | list -%}

    {%- for lower, upper in parts -%}
        {{ log(this ~ ': part ' ~ loop.index ~ ' of ' ~ parts | length ~ ', ' ~ part_column ~ ' '
               ~ (lower if lower is not none else '') ~ '..' ~ (upper if upper is not none else ''),
               info=(parts | length > 1)) }}
        {%- call statement('part_bounds') -%}
            set variable build_part_lower = {{ 'null' if lower is none else lower }};
            set variable build_part_upper = {{ 'null' if upper is none else upper }};
        {%- endcall -%}
        {%- call statement('main' if loop.last else 'part') -%}
            {%- if loop.first %}
            create table {{ intermediate_relation }} as (
                {{ compiled_code }}
            )
            {%- else %}
            insert into {{ intermediate_relation }}
                {{ compiled_code }}
            {%- endif %}
        {%- endcall -%}
    {%- endfor -%}
    {%- call statement('part_bounds_reset') -%}
        reset variable build_part_lower;
        reset variable build_part_upper;
    {%- endcall -%}

    {%- if existing_relation is not none -%}
        {{ adapter.rename_relation(existing_relation, backup_relation) }}
    {%- endif -%}
    {{ adapter.rename_relation(intermediate_relation, target_relation) }}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {%- do persist_docs(target_relation, model) -%}
    {{ adapter.commit() }}
    {{ drop_relation_if_exists(backup_relation) }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- The rows of the part table_in_parts is building: column within the part's range. Outside
    that materialization (no range set) every row, so the model's SQL stays a whole query. -#}
{% macro in_build_part(column) -%}
    {{ column }} between coalesce(getvariable('build_part_lower'), {{ column }})
        and coalesce(getvariable('build_part_upper'), {{ column }})
{%- endmacro %}
