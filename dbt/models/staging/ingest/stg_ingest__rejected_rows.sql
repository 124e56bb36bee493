with

source as (
    select * from {{ source('ingest', 'ingest_rejected_rows') }}
),

renamed as (
    select
        source,
        source_path,
        coalesce(sheet, '') as sheet,
        row_number,
        concat_ws('|', source, source_path, coalesce(sheet, ''), row_number) as row_key,
        reason,
        message,
    from source
)

select * from renamed
