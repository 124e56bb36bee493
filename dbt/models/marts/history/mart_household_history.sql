{#- Every reporting period's households, one row per household and period: where they live,
    their desil and PKH status, as the period's run saw them. Incremental like
    mart_desa_history: a run replaces its own period only. -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='period',
          on_schema_change='append_new_columns') }}
select
    period.period,
    households.household_id,
    households.kode_desa,
    households.kode_kecamatan,
    households.desil,
    households.member_count,
    households.is_pkh_recipient,
    households.pkh_status,
    households.pkh_yearly_amount_rp,
from {{ ref('mart_household') }} as households
cross join {{ ref('int_reporting_period') }} as period
