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
        -- (a small table: the checked values are read again here, not kept as raw text)
        {{ value_problems([
            ('kecamatan', 'raw_rows.kecamatan', none, true),
            ('desa', 'raw_rows.desa', none, true),
            ('luas_km2', 'raw_rows.luas_km2', parse_number_id('raw_rows.luas_km2'), true),
            ('penduduk_l', 'raw_rows.penduduk_l', parse_integer_id('raw_rows.penduduk_l'), true),
            ('penduduk_p', 'raw_rows.penduduk_p', parse_integer_id('raw_rows.penduduk_p'), true),
            ('jumlah_kk', 'raw_rows.jumlah_kk', parse_integer_id('raw_rows.jumlah_kk'), true),
            ('tahun', 'raw_rows.tahun', parse_integer_id('raw_rows.tahun'), true),
        ]) }} as value_problems,
    from source as raw_rows
    {{ join_deliveries() }}
)

select * from parsed
