{#- What value_problems checks on each row: the required columns, and every column read as a
    number or a code. -#}
{%- set value_checks = [
    ('id_pkh', 'id_pkh', none, true),
    ('nik_pengurus', 'nik_pengurus_raw', none, true),
    ('nama_pengurus', 'nama_pengurus', none, true),
    ('kecamatan', 'kecamatan_raw', none, true),
    ('desa', 'desa_raw', none, true),
    ('tahun', 'tahun_raw', 'tahun', true),
    ('tahap', 'tahap_raw', 'tahap', true),
    ('nominal', 'nominal_raw', 'nominal', true),
    ('status_kpm', 'status_kpm_raw', 'status_kpm', true),
] -%}
{%- for komponen in pkh_components() -%}
{%- do value_checks.append((komponen, komponen ~ '_raw', 'jumlah_' ~ komponen, false)) -%}
{%- endfor %}

with

source as (
    select * from {{ source('pkh', 'pkh') }}
),

parsed as (
    select
        {{ delivery_columns() }}
        nullif(trim(raw_rows.id_pkh), '') as id_pkh,
        raw_rows.nik_pengurus as nik_pengurus_raw,
        {{ parse_id_number('raw_rows.nik_pengurus') }} as nik_pengurus,
        {{ id_number_status('raw_rows.nik_pengurus') }} as nik_pengurus_status,
        {{ id_number_from_numeric_cell('raw_rows._id_numeric_cells', 'nik_pengurus') }}
            as nik_pengurus_last_digit_untrusted,
        nullif(regexp_replace(trim(raw_rows.nama_pengurus), '\s+', ' ', 'g'), '')
            as nama_pengurus,
        raw_rows.no_kk as no_kk_raw,
        {{ parse_id_number('raw_rows.no_kk') }} as no_kk,
        {{ id_number_status('raw_rows.no_kk') }} as no_kk_status,
        {{ id_number_from_numeric_cell('raw_rows._id_numeric_cells', 'no_kk') }}
            as no_kk_last_digit_untrusted,
        raw_rows.kecamatan as kecamatan_raw,
        raw_rows.desa as desa_raw,
        raw_rows.kode_desa as kode_desa_raw,
        nullif(trim(raw_rows.alamat), '') as alamat,
        raw_rows.tahun as tahun_raw,
        {{ parse_integer_id('raw_rows.tahun') }}::integer as tahun,
        raw_rows.tahap as tahap_raw,
        {{ parse_integer_id('raw_rows.tahap') }}::integer as tahap,
        {%- for komponen in pkh_components() %}
        raw_rows.{{ komponen }} as {{ komponen }}_raw,
        {#- NULL when blank or not a count; 0 for blank at the end (contract) #}
        {{ parse_integer_id('raw_rows.' ~ komponen) }}::integer as jumlah_{{ komponen }},
        {%- endfor %}
        raw_rows.nominal as nominal_raw,
        {{ parse_number_id('raw_rows.nominal') }} as nominal,
        raw_rows.status_kpm as status_kpm_raw,
        {{ parse_status_kpm('raw_rows.status_kpm') }} as status_kpm,
        nullif(upper(trim(raw_rows.bank)), '') as bank,
    from source as raw_rows
    {{ join_deliveries() }}
),

derived as (
    select
        *,
        {{ nik_structure_status('nik_pengurus', 'nik_pengurus_last_digit_untrusted') }}
            as nik_pengurus_structure_status,
        {{ nik_sex('nik_pengurus') }} as nik_pengurus_sex,
    from parsed
),

checked as (
    select
        *,
        nik_pengurus_status = 'valid_length'
        and nik_pengurus_structure_status = 'valid'
        and not nik_pengurus_last_digit_untrusted
            as is_nik_pengurus_valid,
        -- a card saved from an E+15 display lost its digits: no card to place a family by
        no_kk_status = 'valid_length' and not {{ id_number_is_truncated('no_kk') }} as is_no_kk_valid,
        {{ value_problems(value_checks) }} as value_problems,
        -- contract: a row is rejected only when nothing identifies a family in it
        case
            when id_pkh is null
                and nik_pengurus_status = 'empty'
                and nama_pengurus is null
                and no_kk_status = 'empty'
                then 'no_identifying_value'
        end as rejection_reason,
    from derived
)

-- contract: a blank component count means 0; text that is no count is flagged in
-- value_problems and counts 0 too
select
    * exclude (tahun_raw, tahap_raw, {% for k in pkh_components() %}{{ k }}_raw{{ ', ' if not loop.last }}{% endfor %})
    replace (
        {%- for k in pkh_components() %}
        coalesce(jumlah_{{ k }}, 0) as jumlah_{{ k }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
from checked
