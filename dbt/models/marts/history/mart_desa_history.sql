{#- Every reporting period's mart_desa, one row per village and period. Incremental: a run
    replaces the rows of its own period (int_reporting_period) and keeps every other period,
    so the meeting can set this period beside the previous one. -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='period',
          on_schema_change='append_new_columns') }}
select * from {{ ref('mart_desa') }}
