{#- One row per delivered DTKS/PKH file (a byte-identical repeat delivery excluded: the contract
    allows it and it doubles nothing). Whole-delivery facts the quality gate checks; the limits
    live in expectations/gx/expectations/int_delivery_sanity.json, not here. -#}
{%- set data_columns = {
    'dtks': ['id_dtks', 'no_kk', 'nik', 'nama', 'jenis_kelamin', 'tempat_lahir', 'tanggal_lahir',
             'hubungan_keluarga', 'alamat', 'rt', 'rw', 'kecamatan', 'desa', 'kode_desa', 'desil',
             'status_padan', 'disabilitas', 'hamil', 'status_hidup', 'tanggal_update'],
    'pkh': ['id_pkh', 'nik_pengurus', 'nama_pengurus', 'no_kk', 'kecamatan', 'desa', 'kode_desa',
            'alamat', 'tahun', 'tahap', 'bumil', 'aud', 'sd', 'smp', 'sma', 'disabilitas', 'lansia',
            'nominal', 'status_kpm', 'bank'],
} -%}
with

files as (
    -- delivery order: the first time a file was loaded, then its path
    select
        source,
        source_path,
        min(ingested_at) as ingested_at,
    from {{ ref('stg_ingest__files') }}
    where source in ('dtks', 'pkh') and not is_repeat_delivery
    group by source, source_path
),

ordered as (
    select
        *,
        row_number() over (
            partition by source
            order by ingested_at, source_path
        ) as delivery_order,
    from files
),

rows_in as (
    {%- for src, columns in data_columns.items() %}
    select
        _source as source,
        _source_path as source_path,
        md5(concat_ws(chr(31), {% for c in columns %}coalesce(cast({{ c }} as varchar), ''){{ ", " if not loop.last }}{% endfor %})) as row_hash,
    from {{ source(src, src) }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

first_seen as (
    -- the delivery in which each distinct record first arrived
    select
        rows_in.source,
        rows_in.row_hash,
        min(ordered.delivery_order) as first_order,
    from rows_in
    inner join ordered using (source, source_path)
    group by all
),

per_file_rows as (
    select
        ordered.source,
        ordered.source_path,
        count(*) as data_rows,
        count(*) filter (where first_seen.first_order < ordered.delivery_order) as rows_repeating_earlier_files,
    from ordered
    inner join rows_in using (source, source_path)
    inner join first_seen using (source, row_hash)
    group by all
),

persons_per_file as (
    -- records that resolution merged into one person, within one file
    select
        source,
        source_path,
        person_id,
        count(*) as records,
    from {{ ref('int_person_xref') }}
    where person_id is not null and match_rule is distinct from 'repeat_delivery'
    group by all
),

per_file_persons as (
    select
        source,
        source_path,
        max(records) as max_records_per_person,
    from persons_per_file
    group by all
)

select
    per_file_rows.source,
    per_file_rows.source_path,
    per_file_rows.data_rows,
    per_file_rows.rows_repeating_earlier_files,
    per_file_rows.rows_repeating_earlier_files / per_file_rows.data_rows as repeated_row_share,
    coalesce(per_file_persons.max_records_per_person, 0) as max_records_per_person,
from per_file_rows
left join per_file_persons using (source, source_path)
