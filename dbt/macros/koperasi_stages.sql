{#- The Koperasi Desa Merah Putih stages of the koperasi_tahapan seed, in its order, for the
    models whose columns are named after them (one column per stage): a list of
    {'tahapan': 'AD/ART', 'urutan': 5, 'column': 'ad_art'} (column: lower case, spaces and '/'
    as '_'). The seed is the one place the stages are written; it is read when the model is
    compiled to run, after `dbt build` has loaded the seeds. While dbt only parses the project
    nothing is read and the list is empty (no column is generated then); compiling against a
    warehouse without the seed is an error naming it (docs generate goes on without). -#}
{% macro koperasi_stages() -%}
    {%- set seed = ref('koperasi_tahapan') -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {#- asked of the database, not of dbt's relation cache, which a fresh `dbt build` fills before the seed exists -#}
    {%- set found = run_query(
        "select count(*) from information_schema.tables where table_catalog = '" ~ seed.database
        ~ "' and table_schema = '" ~ seed.schema ~ "' and table_name = '" ~ seed.identifier ~ "'"
    ).rows[0][0] -%}
    {%- if found == 0 -%}
        {#- docs generate on a warehouse that was never built: nothing to describe per stage -#}
        {%- if flags.WHICH == 'generate' -%}
            {{ return([]) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            'the koperasi_tahapan seed is not in the warehouse (' ~ seed ~ '): the per-stage '
            ~ 'columns are read from it; run `dbt seed` or `dbt build` first') }}
    {%- endif -%}
    {%- set rows = run_query('select tahapan, urutan from ' ~ seed ~ ' order by urutan').rows -%}
    {%- set stages = [] -%}
    {%- for row in rows -%}
        {%- do stages.append({
            'tahapan': row[0],
            'urutan': row[1],
            'column': modules.re.sub('[ /]+', '_', row[0] | lower),
        }) -%}
    {%- endfor -%}
    {{ return(stages) }}
{%- endmacro %}
