{#- The same file delivered twice (same bytes) must not double anything, yet each of its rows
    is still accounted for. ingest_files records `duplicate_of` (the earlier path with the
    same bytes) per file and sheet; this joins it to a raw table aliased `raw_rows`.
    Use: `select ..., {{ delivery_columns() }} from source as raw_rows {{ join_deliveries() }}` -#}

{% macro join_deliveries() -%}
    left join (
        select
            source,
            source_path,
            max(duplicate_of) as duplicate_of,
        from {{ ref('stg_ingest__files') }}
        group by source, source_path
    ) as deliveries
        on deliveries.source = raw_rows._source
        and deliveries.source_path = raw_rows._source_path
{%- endmacro %}

{% macro delivery_columns() -%}
    raw_rows._source as source,
    raw_rows._source_path as source_path,
    raw_rows._sheet as sheet,
    raw_rows._row_number as row_number,
    concat_ws('|', raw_rows._source, raw_rows._source_path, raw_rows._sheet, raw_rows._row_number)
        as row_key,
    raw_rows._file_sha256 as file_sha256,
    deliveries.duplicate_of is not null as is_repeat_delivery,
    coalesce(deliveries.duplicate_of, raw_rows._source_path) as canonical_source_path,
{%- endmacro %}
