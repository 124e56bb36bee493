{#- The delivered files behind problems, for the report's gate section: files that failed to
    read (`masalah` = 'gagal_dibaca'), DTKS/PKH files with rows whose village was not
    recognised ('desa_tidak_dikenali'), and files of any source with rows holding a blank
    required value or a value that does not read ('nilai_tidak_sah', from value_problems:
    `message` names the columns, most rows first; a repeat delivery is its first delivery's
    file).
    Paths are shown masked by the report. -#}
with

kept_rows as (
    select
        'dtks' as source,
        source_path,
        kode_desa,
        value_problems,
        is_repeat_delivery
    from {{ ref('int_dtks__persons_cleaned') }}
    union all
    select
        'pkh',
        source_path,
        kode_desa,
        value_problems,
        is_repeat_delivery
    from {{ ref('int_pkh__disbursements_cleaned') }}
),

unplaced as (
    select
        source,
        source_path,
        count(*) as baris,
        count(*) filter (where kode_desa is null) as baris_tanpa_desa
    from kept_rows
    group by all
),

-- every source's kept rows, first deliveries only, for their value problems
checked_rows as (
    select
        source,
        source_path,
        value_problems
    from kept_rows
    where not is_repeat_delivery
    {%- for model in ['int_bps__population_cleaned', 'int_bps__poverty_cleaned', 'int_koperasi__reports_cleaned'] %}
    union all
    select
        source,
        source_path,
        value_problems
    from {{ ref(model) }}
    where not is_repeat_delivery
    {%- endfor %}
),

value_problem_rows as (
    select
        source,
        source_path,
        count(*) as baris,
        count(*) filter (where len(value_problems) > 0) as baris_nilai_tidak_sah
    from checked_rows
    group by all
),

-- e.g. `jenis_kelamin kosong (7), tanggal_lahir tidak sah (2)`
value_problem_columns as (
    select
        source,
        source_path,
        string_agg(
            replace(replace(problem, ' blank', ' kosong'), ' invalid', ' tidak sah')
            || ' (' || problem_rows || ')',
            ', '
            order by problem_rows desc, problem asc
        ) as message
    from (
        select
            source,
            source_path,
            problem,
            count(*) as problem_rows
        from checked_rows, unnest(value_problems) as problems (problem)
        group by all
    )
    group by all
)

select
    'gagal_dibaca' as masalah,
    source,
    source_path,
    sheet,
    message,
    null::bigint as baris,
    null::bigint as baris_tanpa_desa,
    null::bigint as baris_nilai_tidak_sah
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
    baris_tanpa_desa,
    null
from unplaced
where baris_tanpa_desa > 0
union all
select
    'nilai_tidak_sah',
    value_problem_rows.source,
    value_problem_rows.source_path,
    null,
    value_problem_columns.message,
    value_problem_rows.baris,
    null,
    value_problem_rows.baris_nilai_tidak_sah
from value_problem_rows
inner join value_problem_columns using (source, source_path)
where value_problem_rows.baris_nilai_tidak_sah > 0
