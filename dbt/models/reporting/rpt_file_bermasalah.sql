{#- The delivered files behind problems, for the report's gate section: files that failed to
    read (`masalah` = 'gagal_dibaca'), and DTKS/PKH files with rows whose village was not
    recognised ('desa_tidak_dikenali'). Paths are shown masked by the report. -#}
with

unplaced as (
    select
        'dtks' as source,
        source_path,
        count(*) as baris,
        count(*) filter (where kode_desa is null) as baris_tanpa_desa
    from {{ ref('int_dtks__persons_cleaned') }}
    group by source_path
    union all
    select
        'pkh',
        source_path,
        count(*),
        count(*) filter (where kode_desa is null)
    from {{ ref('int_pkh__disbursements_cleaned') }}
    group by source_path
)

select
    'gagal_dibaca' as masalah,
    source,
    source_path,
    sheet,
    message,
    null::bigint as baris,
    null::bigint as baris_tanpa_desa
from {{ ref('stg_ingest__files') }}
where status = 'failed'
union all
select
    'desa_tidak_dikenali',
    source,
    source_path,
    null,
    null,
    baris,
    baris_tanpa_desa
from unplaced
where baris_tanpa_desa > 0
