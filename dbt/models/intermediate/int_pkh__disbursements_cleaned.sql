{#- The rows of stg_pkh__disbursements that are kept (not in rejected_rows), each with its village. -#}
with

rows_in as (
    select * from {{ ref('stg_pkh__disbursements') }}
    where rejection_reason is null
),

located as (
    select
        rows_in.* exclude (rejection_reason),
        {{ region_match_columns() }}
    from rows_in
    {{ join_region_match() }}
)

select * from located
