{#- Data quality per source: files read, failed, repeated, data rows and rejected rows. A file
    delivered again byte for byte counts once, as a repeat: its files and rows are not counted
    again (they are the rows of its first delivery). -#}
with

files as (
    select
        source,
        count(*) filter (where status = 'loaded' and not is_repeat_delivery) as file_terbaca,
        count(*) filter (where status = 'failed' and not is_repeat_delivery) as file_gagal,
        count(*) filter (where is_repeat_delivery) as kiriman_berulang,
        coalesce(sum(data_rows) filter (where not is_repeat_delivery), 0) as baris_data
    from {{ ref('stg_ingest__files') }}
    group by source
),

rejected as (
    select
        source,
        count(*) as baris_ditolak
    from {{ ref('rejected_rows') }}
    where
        source_path in (
            select source_path from {{ ref('stg_ingest__files') }}
            where not is_repeat_delivery
        )
    group by source
)

select
    files.*,
    coalesce(rejected.baris_ditolak, 0) as baris_ditolak
from files
left join rejected using (source)
