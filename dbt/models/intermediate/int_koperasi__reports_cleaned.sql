{#- The rows of stg_koperasi__reports that are kept (not in rejected_rows), each with its village. -#}
{{ kept_rows_with_village('stg_koperasi__reports') }}
