{#- Where each published koperasi report row came from (restricted: file paths may carry a NIK):
    report_id as in marts.mart_koperasi_reports, with the row's identity in raw/. -#}
with

villages as (
    select kode_desa from {{ ref('dim_wilayah') }}
),

reports as (
    select * from {{ ref('int_koperasi__reports_sequenced') }}
)

select
    {{ koperasi_report_id('reports') }} as report_id,
    reports.row_key,
    reports.source_path,
    reports.sheet,
    reports.row_number,
from reports
inner join villages on villages.kode_desa = reports.kode_desa
