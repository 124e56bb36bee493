{{ config(meta={'dagster': {'ref': {'name': 'rejected_rows'}}}) }}
-- Conservation: every raw data row is in exactly one of (a cleaned model, rejected_rows),
-- and nothing is there that was not delivered. Returns the offending row keys.
with

raw_rows as (
    {%- for source_name, table_name in [
        ('dtks', 'dtks'),
        ('pkh', 'pkh'),
        ('bps', 'bps_penduduk'),
        ('bps', 'bps_kemiskinan'),
        ('koperasi', 'koperasi'),
    ] %}
    select concat_ws('|', _source, _source_path, _sheet, _row_number) as row_key
    from {{ source(source_name, table_name) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

accounted_rows as (
    {%- for model in [
        'int_dtks__persons_cleaned',
        'int_pkh__disbursements_cleaned',
        'int_bps__population_cleaned',
        'int_bps__poverty_cleaned',
        'int_koperasi__reports_cleaned',
    ] %}
    select
        row_key,
        '{{ model }}' as accounted_in
    from {{ ref(model) }}
    union all
    {%- endfor %}
    select
        row_key,
        'rejected_rows' as accounted_in
    from {{ ref('rejected_rows') }}
    where rejected_by = 'dbt'
),

raw_counts as (
    select
        row_key,
        count(*) as times_delivered
    from raw_rows
    group by row_key
),

accounted_counts as (
    select
        row_key,
        count(*) as times_accounted
    from accounted_rows
    group by row_key
)

select
    coalesce(raw_counts.row_key, accounted_counts.row_key) as row_key,
    coalesce(raw_counts.times_delivered, 0) as times_delivered,
    coalesce(accounted_counts.times_accounted, 0) as times_accounted,
from raw_counts
full outer join accounted_counts
    on accounted_counts.row_key = raw_counts.row_key
where coalesce(raw_counts.times_delivered, 0) != 1
    or coalesce(accounted_counts.times_accounted, 0) != 1
