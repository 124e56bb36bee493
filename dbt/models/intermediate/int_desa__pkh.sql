{#- PKH per village, every village of the reference list (0 where nothing is placed):
    - all years: PKH rows placed in the village, PKH families (distinct ID_PKH among
      first-delivery rows) and rupiah paid (each family's stage once, by its latest row: a row
      pasted twice in one file or a stage listed again in a later file is paid once);
    - the PKH year of int_pkh_year (*_tahun_ini): the families of int_pkh_families,
      each placed by its latest row, their rupiah and the members per PKH component. -#}
{%- set components = pkh_components() -%}
with

villages as (
    select kode_desa from {{ ref('dim_wilayah') }}
),

pkh_counts as (
    select
        kode_desa,
        count(*) as pkh_rows,
        count(distinct id_pkh) filter (where not is_repeat_delivery) as pkh_families,
        -- a family's stage is paid once, by its latest row (int_pkh__disbursements_cleaned)
        sum(nominal) filter (where not is_repeat_delivery and not is_stage_listed_later) as pkh_nominal_rp,
    from {{ ref('int_pkh__disbursements_cleaned') }}
    where kode_desa is not null
    group by kode_desa
),

pkh_year_counts as (
    select
        kode_desa,
        count(*) as pkh_families_tahun_ini,
        count(*) filter (where is_paid) as pkh_families_paid_tahun_ini,
        sum(nominal_rp) as pkh_nominal_rp_tahun_ini,
    {%- for k in components %}
    sum(jumlah_{{ k }}) as pkh_komponen_{{ k }},
    {%- endfor %}
    from {{ ref('int_pkh_families') }}
    where kode_desa is not null
    group by kode_desa
)

select
    villages.kode_desa,
    coalesce(pkh_counts.pkh_rows, 0) as pkh_rows,
    coalesce(pkh_counts.pkh_families, 0) as pkh_families,
    coalesce(pkh_counts.pkh_nominal_rp, 0) as pkh_nominal_rp,
    coalesce(pkh_year_counts.pkh_families_tahun_ini, 0) as pkh_families_tahun_ini,
    coalesce(pkh_year_counts.pkh_families_paid_tahun_ini, 0) as pkh_families_paid_tahun_ini,
    coalesce(pkh_year_counts.pkh_nominal_rp_tahun_ini, 0) as pkh_nominal_rp_tahun_ini,
{%- for k in components %}
coalesce(pkh_year_counts.pkh_komponen_{{ k }}, 0)::bigint as pkh_komponen_{{ k }},
{%- endfor %}
from villages
left join pkh_counts on pkh_counts.kode_desa = villages.kode_desa
left join pkh_year_counts on pkh_year_counts.kode_desa = villages.kode_desa
