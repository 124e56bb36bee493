with

source as (
    select * from {{ source('bps', 'bps_penduduk') }}
),

parsed as (
    select
        {{ delivery_columns() }}
        {{ village_columns() }}
        {{ parse_number_id('raw_rows.luas_km2') }} as luas_km2,
        {{ parse_integer_id('raw_rows.penduduk_l') }} as penduduk_l,
        {{ parse_integer_id('raw_rows.penduduk_p') }} as penduduk_p,
        {{ parse_integer_id('raw_rows.jumlah_kk') }} as jumlah_kk,
        {{ parse_integer_id('raw_rows.tahun') }}::integer as tahun,
    from source as raw_rows
    {{ join_deliveries() }}
)

select * from parsed
