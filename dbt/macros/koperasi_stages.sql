{#- The Koperasi Desa Merah Putih stages of the koperasi_tahapan seed, in its order: a list of
    {'tahapan': 'AD/ART', 'urutan': 5, 'column': 'ad_art'} (column: lower case, spaces and '/'
    as '_'). -#}
{% macro koperasi_stages() -%}
    {%- set stages = [] -%}
    {%- for row in seed_rows('koperasi_tahapan', 'tahapan, urutan', 'urutan') -%}
        {%- do stages.append({
            'tahapan': row[0],
            'urutan': row[1],
            'column': modules.re.sub('[ /]+', '_', row[0] | lower),
        }) -%}
    {%- endfor -%}
    {{ return(stages) }}
{%- endmacro %}
