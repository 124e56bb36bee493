{#- The run's reporting period: one row. The partition a Dagster run materialises (`jember run
    --period 2025-10`, the UI, a backfill) reaches dbt as the environment variable JEMBER_PERIOD
    and wins; otherwise the month the data describes (int_data_period). An environment variable,
    not a dbt var: dbt's partial parsing re-parses only the files reading a changed env var (this
    one), while a changed --vars value makes it parse the whole project again. `pkh_tahun` comes
    from the data whatever the period (int_data_period). -#}
{%- set given = env_var('JEMBER_PERIOD', '') -%}
select
    {%- if given %}
    '{{ given }}' as period,
    'command line' as period_source,
    {%- else %}
    data_period.period,
    data_period.period_source,
    {%- endif %}
    data_period.pkh_tahun,
from {{ ref('int_data_period') }} as data_period
