{#- Village matching, on the distinct (kecamatan, desa, kode_desa) text triples of every
    source rather than per row, so it stays cheap at millions of rows. Rules:
    1. a KODE_DESA that is in the reference list (with or without dots) wins;
    2. otherwise the kecamatan name is matched first (exact, normalised, fuzzy), then the
       desa name only among the villages of that kecamatan: ten desa names repeat across
       kecamatan, so a desa name is never matched outside its kecamatan. A kecamatan
       misspelling equally close to two kecamatan (`Ummbulsari`: Umbulsari or Mumbulsari)
       is settled by the desa when the desa name matches in only one of them.
    desa_match_method is the weaker of the two steps (exact < normalised < fuzzy). -#}
with

region_texts as (
    select distinct
        kecamatan_raw,
        desa_raw,
        kode_desa_raw
    from {{ ref('stg_dtks__persons') }}
    union
    select distinct
        kecamatan_raw,
        desa_raw,
        kode_desa_raw
    from {{ ref('stg_pkh__disbursements') }}
    union
    select distinct
        kecamatan_raw,
        desa_raw,
        kode_desa_raw
    from {{ ref('stg_bps__population') }}
    union
    select distinct
        kecamatan_raw,
        desa_raw,
        kode_desa_raw
    from {{ ref('stg_koperasi__reports') }}
),

texts as (
    select
        kecamatan_raw,
        desa_raw,
        kode_desa_raw,
        md5(to_json([kecamatan_raw, desa_raw, kode_desa_raw])::varchar) as region_text_key,
        regexp_replace(kode_desa_raw, '[^0-9]', '', 'g') as kode_desa_digits,
        {{ exact_region_name('kecamatan_raw') }} as kecamatan_exact,
        {{ normalise_kecamatan_name('kecamatan_raw') }} as kecamatan_normalised,
        {{ exact_region_name('desa_raw') }} as desa_exact,
        {{ normalise_desa_name('desa_raw') }} as desa_normalised,
    from region_texts
),

villages as (
    select
        kode_desa,
        kode_kecamatan,
        replace(kode_desa, '.', '') as kode_desa_digits,
        {{ exact_region_name('nama_desa') }} as desa_exact,
        {{ normalise_desa_name('nama_desa') }} as desa_normalised,
    from {{ ref('wilayah_jember') }}
),

kecamatans as (
    select distinct
        kode_kecamatan,
        {{ exact_region_name('nama_kecamatan') }} as kecamatan_exact,
        {{ normalise_kecamatan_name('nama_kecamatan') }} as kecamatan_normalised,
    from {{ ref('wilayah_jember') }}
),

kecamatan_texts as (
    select distinct
        kecamatan_exact,
        kecamatan_normalised
    from texts
    where kecamatan_normalised != ''
),

kecamatan_candidates as (
    select
        kecamatan_texts.kecamatan_exact as text_key,
        kecamatans.kode_kecamatan as candidate_code,
        kecamatans.kecamatan_normalised as candidate_normalised,
        case
            when kecamatan_texts.kecamatan_exact = kecamatans.kecamatan_exact then 1
            when kecamatan_texts.kecamatan_normalised = kecamatans.kecamatan_normalised then 2
            else 3
        end as method_rank,
        jaro_winkler_similarity(
            kecamatan_texts.kecamatan_normalised, kecamatans.kecamatan_normalised
        ) as similarity,
        damerau_levenshtein(
            kecamatan_texts.kecamatan_normalised, kecamatans.kecamatan_normalised
        ) as edit_distance,
    from kecamatan_texts
    cross join kecamatans
),

kecamatan_matches as (
    {{ choose_region_candidate('kecamatan_candidates', 'text_key') }}
),

-- the kecamatan a text may name: its match, or every tied candidate when it is ambiguous
kecamatan_options as (
    select
        text_key,
        candidate_code as kode_kecamatan,
    from kecamatan_matches
    where candidate_code is not null
    union all
    select
        kecamatan_candidates.text_key,
        kecamatan_candidates.candidate_code as kode_kecamatan,
    from kecamatan_candidates
    inner join kecamatan_matches
        on kecamatan_matches.text_key = kecamatan_candidates.text_key
    where kecamatan_matches.match_method = 'ambiguous'
        and (
            kecamatan_candidates.method_rank < 3
            or {{ is_small_misspelling() }}
        )
),

desa_texts as (
    select distinct
        kecamatan_options.text_key as kecamatan_exact,
        kecamatan_options.kode_kecamatan,
        texts.desa_exact,
        texts.desa_normalised,
    from texts
    inner join kecamatan_options
        on kecamatan_options.text_key = texts.kecamatan_exact
    where texts.desa_normalised != ''
),

desa_candidates as (
    select
        desa_texts.kecamatan_exact || '|' || desa_texts.desa_exact as text_key,
        villages.kode_desa as candidate_code,
        villages.desa_normalised as candidate_normalised,
        case
            when desa_texts.desa_exact = villages.desa_exact then 1
            when desa_texts.desa_normalised = villages.desa_normalised then 2
            else 3
        end as method_rank,
        jaro_winkler_similarity(desa_texts.desa_normalised, villages.desa_normalised)
            as similarity,
        damerau_levenshtein(desa_texts.desa_normalised, villages.desa_normalised) as edit_distance,
    from desa_texts
    inner join villages
        on villages.kode_kecamatan = desa_texts.kode_kecamatan
),

desa_matches as (
    {{ choose_region_candidate('desa_candidates', 'text_key') }}
),

matched as (
    select
        texts.region_text_key,
        texts.kecamatan_raw,
        texts.desa_raw,
        texts.kode_desa_raw,
        case
            when coalesce(texts.kode_desa_digits, '') = '' then 'empty'
            when by_kode.kode_desa is not null then 'valid'
            else 'not_in_reference'
        end as kode_desa_status,
        kecamatan_matches.candidate_code as name_kode_kecamatan,
        case
            when kecamatan_matches.match_method = 'ambiguous'
                and desa_matches.candidate_code is not null
                then 'settled_by_desa'
            else coalesce(kecamatan_matches.match_method, 'unmatched')
        end as kecamatan_match_method,
        desa_matches.candidate_code as name_kode_desa,
        case
            when coalesce(kecamatan_matches.match_method, 'unmatched') = 'unmatched' then null
            when texts.desa_normalised = '' or texts.desa_normalised is null then 'unmatched'
            else coalesce(desa_matches.match_method, 'unmatched')
        end as desa_name_match_method,
        by_kode.kode_desa as kode_desa_from_code,
        desa_matches.match_similarity as desa_similarity,
        kecamatan_matches.match_similarity as kecamatan_similarity,
    from texts
    left join villages as by_kode
        on by_kode.kode_desa_digits = texts.kode_desa_digits
    left join kecamatan_matches
        on kecamatan_matches.text_key = texts.kecamatan_exact
    left join desa_matches
        on desa_matches.text_key = texts.kecamatan_exact || '|' || texts.desa_exact
),

decided as (
    select
        *,
        case
            when kode_desa_from_code is not null then 'kode_desa'
            when kecamatan_match_method = 'ambiguous' then 'ambiguous'
            when kecamatan_match_method = 'unmatched' then 'unmatched_kecamatan'
            when desa_name_match_method = 'ambiguous' then 'ambiguous'
            when desa_name_match_method = 'unmatched' then 'unmatched_desa'
            when 'fuzzy' in (kecamatan_match_method, desa_name_match_method)
                or kecamatan_match_method = 'settled_by_desa'
                then 'fuzzy'
            when 'normalised' in (kecamatan_match_method, desa_name_match_method)
                then 'normalised'
            else 'exact'
        end as desa_match_method,
        coalesce(kode_desa_from_code, name_kode_desa) as kode_desa,
        -- a valid code wins, but names that point elsewhere are worth a look
        coalesce(kode_desa_from_code != name_kode_desa, false) as is_code_name_conflict,
    from matched
)

select
    region_text_key,
    kecamatan_raw,
    desa_raw,
    kode_desa_raw,
    kode_desa,
    left(kode_desa, 8) as kode_kecamatan,
    desa_match_method,
    case desa_match_method
        when 'unmatched_kecamatan' then 'kecamatan name not found in the reference list'
        when 'unmatched_desa' then 'desa name not found among the villages of its kecamatan'
        when 'ambiguous' then 'several reference names are equally close'
    end as unmatched_reason,
    kode_desa_status,
    kecamatan_match_method,
    desa_name_match_method,
    is_code_name_conflict,
    kecamatan_similarity,
    desa_similarity,
from decided
