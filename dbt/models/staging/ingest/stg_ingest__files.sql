with

source as (
    select * from {{ source('ingest', 'ingest_files') }}
),

renamed as (
    select
        source,
        source_path,
        coalesce(sheet, '') as sheet,
        concat_ws('|', source, source_path, coalesce(sheet, '')) as file_key,
        table_name,
        sha256 as file_sha256,
        size_bytes,
        status,
        message,
        encoding,
        delimiter,
        header_record,
        data_rows,
        non_data_rows,
        rejected_rows,
        duplicate_of,
        duplicate_of is not null as is_repeat_delivery,
        coalesce(duplicate_of, source_path) as canonical_source_path,
        ingested_at,
    from source
)

select * from renamed
