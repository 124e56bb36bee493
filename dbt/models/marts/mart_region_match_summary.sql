{#- How the rows of each source found their village, so that rows without one are counted,
    not silently lost. -#}
with

located_rows as (
    {%- for table_name, model in [
        ('dtks', 'int_dtks__persons_cleaned'),
        ('pkh', 'int_pkh__disbursements_cleaned'),
        ('bps_penduduk', 'int_bps__population_cleaned'),
        ('koperasi', 'int_koperasi__reports_cleaned'),
    ] %}
    select
        '{{ table_name }}' as table_name,
        desa_match_method,
        is_repeat_delivery,
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    table_name,
    desa_match_method,
    desa_match_method in ('kode_desa', 'exact', 'normalised', 'fuzzy') as is_matched,
    count(*) as rows,
    count(*) filter (where not is_repeat_delivery) as rows_first_delivery,
from located_rows
group by table_name, desa_match_method
