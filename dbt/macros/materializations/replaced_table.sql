{#- A table built by one `create or replace table ... as` inside the model's transaction: the
    materialization of every SQL table model (dbt_project.yml).

    Why not dbt-duckdb's `table`: it builds the table under a temporary name and then renames
    the old table away, renames the new one into place and drops the old one. Each of those is
    a dbt macro call that builds a fresh context of all ~570 macros in dbt's Python; for the
    shipped sample that was ~2 s of each run's ~11 s of dbt execution (py-spy, GIL samples),
    and four more DuckDB statements per model. DuckDB's DDL is transactional, so the one
    statement gives what the renames were for: a model that fails leaves its previous table in
    place (dbt rolls the transaction back), and readers never see a half-built one.

    Python models (int_persons_clustered, int_identity__id_map) keep dbt-duckdb's `table`:
    dbt-duckdb writes their frame through a cursor of its own, outside this transaction. -#}
{% materialization replaced_table, adapter='duckdb' %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- a model that was a view before: `create or replace table` cannot replace a view -#}
    {% if existing_relation is not none and not existing_relation.is_table %}
        {{ adapter.drop_relation(existing_relation) }}
    {% endif %}

    {#- the model's SQL may end in a line comment: the closing parenthesis on a line of its own -#}
    {% call statement('main') -%}
        create or replace table {{ target_relation }} as (
            {{ sql }}
        )
    {%- endcall %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
