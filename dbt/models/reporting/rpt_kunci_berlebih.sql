{#- Delivered files holding an identity key (NIK, NO_KK, ID_PKH, birth date + name) shared by
    more rows than resolution compares (int_delivery_blocks; the key itself never leaves that
    model). The report lists them when the int_delivery_blocks suite failed. -#}
select
    source_path,
    block_kind,
    block_rows,
    file_rows
from {{ ref('int_delivery_blocks') }}
