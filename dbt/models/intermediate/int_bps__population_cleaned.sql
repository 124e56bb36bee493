{#- The rows of stg_bps__population that are kept (not in rejected_rows), each with its village. -#}
{{ kept_rows_with_village('stg_bps__population') }}
