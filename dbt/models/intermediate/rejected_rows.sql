{#- Every row that did not make it into a cleaned model, and why: the reader's rejections
    (records it could not read) and the rows dbt rejects (readable but nothing identifies
    a person, family, village or year). Restricted: the message points at personal rows. -#}
with

reader_rejections as (
    select
        source,
        source_path,
        sheet,
        row_number,
        row_key,
        'reader' as rejected_by,
        reason,
        message,
    from {{ ref('stg_ingest__rejected_rows') }}
),

{%- set dbt_rejections = [
    ('stg_dtks__persons', 'dtks', 'no NIK, no NAMA and no NO_KK: nothing identifies a person'),
    ('stg_pkh__disbursements', 'pkh', 'no ID_PKH, NIK_PENGURUS, NAMA_PENGURUS or NO_KK: nothing identifies a family'),
    ('stg_bps__population', 'bps_penduduk', 'neither DESA nor KODE_DESA: the row names no village'),
    ('stg_bps__poverty', 'bps_kemiskinan', 'no TAHUN: the row names no year'),
    ('stg_koperasi__reports', 'koperasi', 'neither DESA nor KODE_DESA: the row names no village'),
] %}

dbt_rejections as (
    {%- for model, table_name, explanation in dbt_rejections %}
    select
        source,
        source_path,
        sheet,
        row_number,
        row_key,
        'dbt' as rejected_by,
        rejection_reason as reason,
        format(
            '{}: row {}{} rejected ({}): {}',
            source_path,
            row_number,
            case when sheet != '' then ' of sheet ' || sheet else '' end,
            '{{ table_name }}',
            '{{ explanation }}'
        ) as message,
    from {{ ref(model) }}
    where rejection_reason is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from reader_rejections
union all
select * from dbt_rejections
