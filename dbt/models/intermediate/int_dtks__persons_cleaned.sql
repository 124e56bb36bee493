{#- The rows of stg_dtks__persons that are kept (not in rejected_rows), each with its village. -#}
{{ kept_rows_with_village('stg_dtks__persons') }}
