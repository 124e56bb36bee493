{#- The Koperasi Desa Merah Putih stages of the koperasi_tahapan seed, in its order, for the
    models whose columns are named after them (one column per stage): a list of
    {'tahapan': 'AD/ART', 'urutan': 5, 'column': 'ad_art'} (column: lower case, spaces and '/'
    as '_'). The seed is the one place the stages are written; it is read when the model is
    compiled to run, after `dbt build` has loaded the seeds. While dbt only parses the project
    nothing is read and the list is empty (no column is generated then). -#}
{% macro koperasi_stages() -%}
    {%- set seed = ref('koperasi_tahapan') -%}
    {%- if not execute -%}
        {{ return([]) }}
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
