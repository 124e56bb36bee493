{#- The month the data describes and the PKH year, one row, whatever reporting period a run is
    for: the latest DTKS TANGGAL_UPDATE or koperasi TANGGAL_LAPORAN (dates after the run's own
    day are typing errors and do not count), and `pkh_tahun`, the PKH year the targeting rules
    look at (int_pkh_year, which they read themselves). Not partitioned: a run without --period
    reads its month here, after building everything that does not depend on the period, then
    builds that month's partition (int_reporting_period and everything downstream of it). -#}
with

dated as (
    select max(tanggal_update) as latest from {{ ref('int_dtks__persons_cleaned') }}
    where tanggal_update <= current_date
    union all
    select max(tanggal_laporan) from {{ ref('int_koperasi__reports_cleaned') }}
    where tanggal_laporan <= current_date
),

from_data as (
    select strftime(max(latest), '%Y-%m') as period from dated
),

pkh as (
    select pkh_tahun from {{ ref('int_pkh_year') }}
)

select
    coalesce(from_data.period, strftime(current_date, '%Y-%m')) as period,
    case when from_data.period is null then 'run date' else 'data' end as period_source,
    pkh.pkh_tahun,
from from_data
cross join pkh
