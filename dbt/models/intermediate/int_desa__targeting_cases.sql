{#- Targeting problems per village, every village of the reference list: the families of each
    kind of int_targeting_cases (where the rules live) placed in the village, one column per
    kind as the targeting_kinds seed names it (kolom_desa). -#}
{%- set kinds = seed_rows('targeting_kinds', 'kind, kolom_desa', 'urutan') -%}
with

villages as (
    select kode_desa from {{ ref('dim_wilayah') }}
),

case_counts as (
    select
        kode_desa,
    {%- for kind, column in kinds %}
    count(distinct family_key) filter (where kind = '{{ kind }}') as {{ column }},
    {%- endfor %}
    from {{ ref('int_targeting_cases') }}
    where kode_desa is not null
    group by kode_desa
)

select
    villages.kode_desa,
{%- for kind, column in kinds %}
coalesce(case_counts.{{ column }}, 0) as {{ column }},
{%- endfor %}
from villages
left join case_counts on case_counts.kode_desa = villages.kode_desa
