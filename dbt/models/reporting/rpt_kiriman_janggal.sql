{#- Whole-file figures of each delivered DTKS/PKH file that the delivery-sanity checks judge;
    the report keeps the files beyond the failing expectation's limit (from the verdict). -#}
select
    source_path,
    repeated_row_share,
    max_records_per_person
from {{ ref('int_delivery_sanity') }}
