{#- The rows of stg_bps__poverty that are kept (not in rejected_rows). -#}
with

rows_in as (
    select * from {{ ref('stg_bps__poverty') }}
    where rejection_reason is null
)

select * exclude (rejection_reason) from rows_in
