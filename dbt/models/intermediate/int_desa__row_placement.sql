{#- How the delivered rows reached each village, every village of the reference list: rows
    dbt rejected whose region text names the village, and the first-delivery rows of the four
    located sources placed in it, of which how many only by fuzzy name matching. Rows whose
    village could not be matched are not here: see mart_region_match_summary. -#}
with

villages as (
    select kode_desa from {{ ref('dim_wilayah') }}
),

-- rows dbt rejected (nothing identifies anyone), placed by their region text where it matches
rejected_counts as (
    select
        kode_desa,
        count(*) as rows_rejected
    from (
        {%- for model in ['stg_dtks__persons', 'stg_pkh__disbursements'] %}
        select region_matches.kode_desa
        from {{ ref(model) }} as rows_in
        {{ join_region_match() }}
        where rows_in.rejection_reason is not null
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    )
    where kode_desa is not null
    group by kode_desa
),

placed_rows as (
    select
        kode_desa,
        desa_match_method
    from {{ ref('int_dtks__persons_cleaned') }}
    where not is_repeat_delivery
    union all
    select
        kode_desa,
        desa_match_method
    from {{ ref('int_pkh__disbursements_cleaned') }}
    where not is_repeat_delivery
    union all
    select
        kode_desa,
        desa_match_method
    from {{ ref('int_koperasi__reports_cleaned') }}
    where not is_repeat_delivery
    union all
    select
        kode_desa,
        desa_match_method
    from {{ ref('int_bps__population_cleaned') }}
    where not is_repeat_delivery
),

match_counts as (
    select
        kode_desa,
        count(*) as rows_placed,
        count(*) filter (where desa_match_method = 'fuzzy') as rows_village_fuzzy_match,
    from placed_rows
    where kode_desa is not null
    group by kode_desa
)

select
    villages.kode_desa,
    coalesce(rejected_counts.rows_rejected, 0) as rows_rejected,
    coalesce(match_counts.rows_village_fuzzy_match, 0) as rows_village_fuzzy_match,
    coalesce(match_counts.rows_placed, 0) as rows_placed,
from villages
left join rejected_counts on rejected_counts.kode_desa = villages.kode_desa
left join match_counts on match_counts.kode_desa = villages.kode_desa
