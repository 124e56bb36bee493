{#- The BPS poverty series of Jember, one row per year (a delivered BPS file wins over the
    reference seed, as in mart_kabupaten: int_bps__poverty_series), beside the DTKS persons of
    the latest stored period of that year (mart_desa_history), so the meeting sees both trends
    on one chart. DTKS is null for years before the pipeline's first period. -#}
with

bps as (
    select
        tahun,
        persen_miskin,
        jumlah_miskin_ribu,
        garis_kemiskinan_rp
    from {{ ref('int_bps__poverty_series') }}
),

dtks_by_period as (
    select
        period,
        cast(left(period, 4) as integer) as tahun,
        sum(dtks_persons) as dtks_persons
    from {{ ref('mart_desa_history') }}
    group by period
),

dtks_by_year as (
    select
        tahun,
        arg_max(dtks_persons, period) as dtks_persons,
        max(period) as dtks_period
    from dtks_by_period
    group by tahun
)

select
    coalesce(bps.tahun, dtks_by_year.tahun) as tahun,
    bps.persen_miskin,
    bps.jumlah_miskin_ribu,
    round(bps.jumlah_miskin_ribu * 1000) as jumlah_miskin_jiwa,
    bps.garis_kemiskinan_rp,
    dtks_by_year.dtks_persons,
    dtks_by_year.dtks_period
from bps
full outer join dtks_by_year using (tahun)
order by tahun
