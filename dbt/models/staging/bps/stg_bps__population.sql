with

source as (
    select * from {{ source('bps', 'bps_penduduk') }}
),

parsed as (
    select
        {{ delivery_columns() }}
        raw_rows.kecamatan as kecamatan_raw,
        raw_rows.desa as desa_raw,
        raw_rows.kode_desa as kode_desa_raw,
        -- a village row needs a DESA or a KODE_DESA to mean anything
        case
            when nullif(trim(raw_rows.desa), '') is null
                and nullif(trim(raw_rows.kode_desa), '') is null
                then 'no_village'
        end as rejection_reason,
        {{ parse_number_id('raw_rows.luas_km2') }} as luas_km2,
        {{ parse_integer_id('raw_rows.penduduk_l') }} as penduduk_l,
        {{ parse_integer_id('raw_rows.penduduk_p') }} as penduduk_p,
        {{ parse_integer_id('raw_rows.jumlah_kk') }} as jumlah_kk,
        {{ parse_integer_id('raw_rows.tahun') }}::integer as tahun,
    from source as raw_rows
    {{ join_deliveries() }}
)

select * from parsed
