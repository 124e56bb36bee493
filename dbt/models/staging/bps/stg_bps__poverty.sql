with

source as (
    select * from {{ source('bps', 'bps_kemiskinan') }}
),

parsed as (
    select
        {{ delivery_columns() }}
        raw_rows.tahun as tahun_raw,
        {{ parse_integer_id('raw_rows.tahun') }}::integer as tahun,
        -- a poverty row is one year: without TAHUN it means nothing
        case when nullif(trim(raw_rows.tahun), '') is null then 'no_year' end
            as rejection_reason,
        {{ parse_number_id('raw_rows.persen_miskin') }} as persen_miskin,
        {{ parse_number_id('raw_rows.jumlah_miskin') }} as jumlah_miskin_ribu,
        {{ parse_number_id('raw_rows.garis_kemiskinan') }} as garis_kemiskinan_rp,
        {{ parse_number_id('raw_rows.p1') }} as p1,
        {{ parse_number_id('raw_rows.p2') }} as p2,
        -- (a small table: the checked values are read again here, not kept as raw text)
        {{ value_problems([
            ('tahun', 'raw_rows.tahun', parse_integer_id('raw_rows.tahun'), true),
            ('persen_miskin', 'raw_rows.persen_miskin', parse_number_id('raw_rows.persen_miskin'), true),
            ('jumlah_miskin', 'raw_rows.jumlah_miskin', parse_number_id('raw_rows.jumlah_miskin'), true),
            ('garis_kemiskinan', 'raw_rows.garis_kemiskinan', parse_number_id('raw_rows.garis_kemiskinan'), true),
            ('p1', 'raw_rows.p1', parse_number_id('raw_rows.p1'), false),
            ('p2', 'raw_rows.p2', parse_number_id('raw_rows.p2'), false),
        ]) }} as value_problems,
    from source as raw_rows
    {{ join_deliveries() }}
)

select * from parsed
