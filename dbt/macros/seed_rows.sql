{#- Rows of a seed, read while a model compiles to run, for the models whose columns are named
    after a seed's rows (one column per koperasi stage, per targeting kind). The seed stays the
    one place those lists are written. It is read after `dbt build` has loaded the seeds; while
    dbt only parses the project nothing is read and the list is empty (no column is generated
    then); compiling against a warehouse without the seed is an error naming it (docs generate
    goes on without). -#}
{% macro seed_rows(seed_name, columns, order_by) -%}
    {%- set seed = ref(seed_name) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {#- asked of the database, not of dbt's relation cache, which a fresh `dbt build` fills before the seed exists -#}
    {%- set found = run_query(
        "select count(*) from information_schema.tables where table_catalog = '" ~ seed.database
        ~ "' and table_schema = '" ~ seed.schema ~ "' and table_name = '" ~ seed.identifier ~ "'"
    ).rows[0][0] -%}
    {%- if found == 0 -%}
        {#- docs generate on a warehouse that was never built: nothing to describe per row -#}
        {%- if flags.WHICH == 'generate' -%}
            {{ return([]) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            'the ' ~ seed_name ~ ' seed is not in the warehouse (' ~ seed ~ '): columns are '
            ~ 'named after its rows; run `dbt seed` or `dbt build` first') }}
    {%- endif -%}
    {{ return(run_query('select ' ~ columns ~ ' from ' ~ seed ~ ' order by ' ~ order_by).rows) }}
{%- endmacro %}
