{#- What the delivery lacks as a whole, per kecamatan: the rows of this table are the evidence
    the quality gate (suite int_delivery_completeness, critical) and the meeting report use.

    - `file_unreadable`: a DTKS or PKH file (or sheet) that failed as a whole (encoding, a bad
      byte, a missing required header...). Its rows are in no table, so every count of its
      kecamatan would look complete but be wrong: a registry file lost means the delivery is
      incomplete, whatever the other files say.
    - `persons_vs_previous_period`: DTKS persons of each kecamatan now beside the latest earlier
      period kept in mart_desa_history; a kecamatan that lost most of its persons has lost a file
      (or most of one) even when nothing failed to read.
    - `pkh_families_unknown_to_dtks`: share of the kecamatan's PKH families of the year that no
      DTKS household matches. PKH is drawn from the DTKS, so a few percent are inclusion errors;
      most of a kecamatan's families unknown means its DTKS rows are missing, and every one of
      them would go to the field as a false inclusion case. This names the kecamatan also when
      the lost file's name does not (a workbook for several kecamatan) and on a first period.
      The share is left NULL (not judged) below 10 unknown families: in a kecamatan with a
      handful of PKH families one or two inclusion errors are already half.

    The kecamatan of an unreadable file comes from its path (files are named per kecamatan in
    practice: `dtks_kalisat.csv`, `pkh/.../kalisat/...`); the longest kecamatan name found in the
    path's letters wins, NULL when none is. The limits are in the suite, not here. -#}
with

kecamatan as (
    select distinct
        kode_kecamatan,
        nama_kecamatan,
        regexp_replace(lower(nama_kecamatan), '[^a-z]', '', 'g') as name_key,
    from {{ ref('wilayah_jember') }}
),

failed_files as (
    select
        source,
        source_path,
        sheet,
        message,
    from {{ ref('stg_ingest__files') }}
    where source in ('dtks', 'pkh') and status = 'failed' and not is_repeat_delivery
),

failed_located as (
    select
        failed_files.*,
        -- the longest name the path contains; of two as long, the larger code, by one order
        -- for both columns so that code and name are of one kecamatan, never left to chance
        arg_max(kecamatan.kode_kecamatan, (length(kecamatan.name_key), kecamatan.kode_kecamatan))
            as kode_kecamatan,
        arg_max(kecamatan.nama_kecamatan, (length(kecamatan.name_key), kecamatan.kode_kecamatan))
            as nama_kecamatan,
    from failed_files
    left join kecamatan
        on contains(regexp_replace(lower(failed_files.source_path), '[^a-z]', '', 'g'), kecamatan.name_key)
    group by all
),

period as (
    select period from {{ ref('int_reporting_period') }}
),

previous_period as (
    select max(history.period) as period,
    from {{ ref('mart_desa_history') }} as history
    cross join period
    where history.period < period.period
),

persons_before as (
    select
        history.kode_kecamatan,
        sum(history.dtks_persons) as persons,
    from {{ ref('mart_desa_history') }} as history
    inner join previous_period using (period)
    group by history.kode_kecamatan
),

persons_now as (
    select
        kode_kecamatan,
        sum(dtks_persons) as persons,
    from {{ ref('mart_desa') }}
    group by kode_kecamatan
),

pkh_known as (
    select
        villages.kode_kecamatan,
        count(*) as families,
        count(*) filter (where families.is_unknown_to_dtks) as unknown,
    from {{ ref('mart_pkh_family') }} as families
    inner join {{ ref('dim_wilayah') }} as villages using (kode_desa)
    group by villages.kode_kecamatan
)

select
    'file_unreadable' as check_name,
    source,
    kode_kecamatan,
    nama_kecamatan,
    source_path,
    sheet,
    message,
    null::varchar as previous_period,
    null::bigint as persons_before,
    null::bigint as persons_now,
    null::double as share_of_previous,
    null::double as pkh_unknown_share,
from failed_located

union all

select
    'persons_vs_previous_period' as check_name,
    'dtks' as source,
    kecamatan.kode_kecamatan,
    kecamatan.nama_kecamatan,
    null as source_path,
    null as sheet,
    'jiwa DTKS ' || coalesce(persons_now.persons, 0)::varchar || ', periode ' || previous_period.period
    || ': ' || persons_before.persons::varchar as message,
    previous_period.period as previous_period,
    persons_before.persons::bigint as persons_before,
    coalesce(persons_now.persons, 0)::bigint as persons_now,
    coalesce(persons_now.persons, 0) / persons_before.persons as share_of_previous,
    null::double as pkh_unknown_share,
from persons_before
cross join previous_period
inner join (select distinct
    kode_kecamatan,
    nama_kecamatan
from kecamatan) as kecamatan using (kode_kecamatan)
left join persons_now using (kode_kecamatan)
where persons_before.persons > 0

union all

select
    'pkh_families_unknown_to_dtks' as check_name,
    'pkh' as source,
    kecamatan.kode_kecamatan,
    kecamatan.nama_kecamatan,
    null as source_path,
    null as sheet,
    'keluarga PKH tidak ditemukan di DTKS: ' || pkh_known.unknown::varchar || ' dari '
    || pkh_known.families::varchar as message,
    null as previous_period,
    null as persons_before,
    null as persons_now,
    null as share_of_previous,
    case when pkh_known.unknown >= 10 then pkh_known.unknown / pkh_known.families end as pkh_unknown_share,
from pkh_known
inner join (select distinct
    kode_kecamatan,
    nama_kecamatan
from kecamatan) as kecamatan using (kode_kecamatan)
