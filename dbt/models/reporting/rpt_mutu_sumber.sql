{#- Data quality per source: files read, failed, repeated, data rows and rejected rows. -#}
with

files as (
    select
        source,
        count(*) filter (where status = 'loaded') as file_terbaca,
        count(*) filter (where status = 'failed') as file_gagal,
        count(*) filter (where is_repeat_delivery) as kiriman_berulang,
        coalesce(sum(data_rows), 0) as baris_data
    from {{ ref('stg_ingest__files') }}
    group by source
),

rejected as (
    select
        source,
        count(*) as baris_ditolak
    from {{ ref('rejected_rows') }}
    group by source
)

select
    files.*,
    coalesce(rejected.baris_ditolak, 0) as baris_ditolak
from files
left join rejected using (source)
