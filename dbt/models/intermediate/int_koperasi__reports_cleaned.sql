{#- The rows of stg_koperasi__reports that are kept (not in rejected_rows), each with its village. -#}
with

rows_in as (
    select * from {{ ref('stg_koperasi__reports') }}
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
