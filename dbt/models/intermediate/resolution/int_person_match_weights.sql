{#- Fellegi-Sunter weights estimated on this run's own records: for each comparison level,
    m = how often a true match shows it and u = how often two different persons show it, and
    the weight log2(m / u) that int_person_pairs_scored adds up. Nothing is hand-set here but
    which pairs are taken as near-certain matches:
      - NIK levels (and a lost NIK's kept digits): pairs on the same family card with the same name key, the same birth date
        that is no registry default (1 January, 1 July, 31 December) and the same sex (a family member
        listed again; twins differ in name). Their NIKs show how often a person's NIK is
        equal, one digit off, lost (kept digits) or different across deliveries.
      - every other comparison: pairs with the same trusted 16-digit NIK (Dukcapil issues one
        NIK per person; a typo landing on another's NIK is rare).
    u comes from random pairs (int_person_pairs_random), except for the equality levels (see
    exact_u below); a name key or birth date that agrees is weighted by its own
    frequency (term-frequency adjustment) in int_person_pairs_scored, with the m below.
    Counts get half a pair added (m and u are never 0 or 1), and m is estimated among pairs
    where both sides have the field.
    The last rows are the prior: match_share, the share of all record pairs that are one person
    (same-NIK candidate pairs / m of an exact NIK, over n(n-1)/2), and the link and review
    scores it implies for the match probabilities in vars person_link_probability and
    person_review_probability: score >= log2(p / (1 - p)) - log2(match_share / (1 - match_share)). -#}
{%- set comparisons = ['nik', 'nik_kept', 'birth', 'sex', 'name', 'no_kk', 'id_pkh', 'desa'] -%}
with

compared as (
    select * from {{ ref('int_person_pairs_compared') }}
),

records as (
    select * from {{ ref('int_person_match_records') }}
),

-- near-certain matches, each used only for the comparisons it does not select on
anchored as (
    select
        case
            when not is_random_pair and is_no_kk_equal and is_name_key_equal and is_birth_date_equal
                and not is_any_default_birth_date and is_sex_equal is not false then 'family'
        end as family_anchor,
        nik_level = 'exact' and not is_random_pair as is_nik_anchor,
        is_random_pair,
        {% for c in comparisons %}{{ c }}_level,{% if not loop.last %}
        {% endif %}{% endfor %}
    from compared
    where is_random_pair
        or nik_level = 'exact'
        or (is_no_kk_equal and is_name_key_equal and is_birth_date_equal)
),

levels as (
    {% for c in comparisons %}
    select
        '{{ c }}' as comparison,
        {{ c }}_level as level,
        count(*) filter (where {{ "family_anchor is not null" if c in ('nik', 'nik_kept') else "is_nik_anchor" }}) as m_pairs,
        sum(count(*) filter (where {{ "family_anchor is not null" if c in ('nik', 'nik_kept') else "is_nik_anchor" }})) over ()
            as m_pairs_total,
        count(*) filter (where is_random_pair) as u_pairs,
        sum(count(*) filter (where is_random_pair)) over () as u_pairs_total,
    from anchored
    where {{ c }}_level is not null
    group by all
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- the chance that two different persons agree on a value.
-- NIK (equal, 15 digits equal, one digit off): Dukcapil gives each person their own NIK, so two
-- persons share one (or one a typo away) only by a slip; counted among the candidate pairs
-- (the blocks find every shared NIK) that are plainly two persons, a different name key and a
-- different sex or birth date, over all record pairs. (The share of record pairs sharing a NIK
-- would count a person's own repeated rows as chance.)
-- NO_KK, ID_PKH: numbers issued to one family: 1 / the numbers in use.
-- A value many persons share (sex, village): the sum over values of (share of records)^2.
exact_u as (
    select
        'nik' as comparison,
        nik_level as level,
        (count(*) filter (where name_level = 'different' and (birth_level = 'different' or sex_level = 'different')) + 0.5)
        / ((select count(*) from records) * ((select count(*) from records) - 1) / 2) as u
    from compared
    where not is_random_pair and nik_level in ('exact', 'exact_15', 'near')
    group by nik_level
    union all
    select
        'sex',
        'equal',
        sum(n * n) / (sum(n) * sum(n))
    from (
        select count(*) as n from records
        where jenis_kelamin is not null
        group by jenis_kelamin
    )
    union all
    select
        'no_kk',
        'equal',
        1 / count(distinct no_kk)
    from records
    union all
    select
        'id_pkh',
        'equal',
        1 / count(distinct id_pkh)
    from records
    union all
    select
        'desa',
        'equal',
        sum(n * n) / (sum(n) * sum(n))
    from (
        select count(*) as n from records
        where kode_desa is not null
        group by kode_desa
    )
-- name and birth date: per value, in int_person_pairs_scored (term frequency)
),

weights as (
    select
        levels.comparison,
        levels.level,
        levels.m_pairs,
        (levels.m_pairs + 0.5) / (levels.m_pairs_total + 1) as m,
        levels.u_pairs,
        coalesce(exact_u.u, (levels.u_pairs + 0.5) / (levels.u_pairs_total + 1)) as u,
        case
            when exact_u.u is not null then 'm: anchored pairs; u: value frequencies'
            when (levels.comparison, levels.level) in (('name', 'equal'), ('birth', 'equal'))
                then 'm: anchored pairs; u: the value''s own frequency (term frequency), per pair'
            else 'm: anchored pairs; u: random pairs'
        end as origin,
    from levels
    left join exact_u using (comparison, level)
),

prior as (
    select
        -- half a pair at least, and m 1 when no pair shares a NIK (a tiny delivery)
        greatest(0.5, (
            select count(*) from compared
            where not is_random_pair and nik_level = 'exact'
        ))
        / coalesce((
            select m from weights
            where comparison = 'nik' and level = 'exact'
        ), 1)
        / ((select count(*) from records) * ((select count(*) from records) - 1) / 2) as match_share
)

select
    comparison,
    level,
    m_pairs,
    m,
    u_pairs,
    u,
    log2(m / u) as weight,
    origin,
from weights
union all
select
    'prior',
    'match_share',
    null,
    null,
    null,
    null,
    log2(match_share / (1 - match_share)),
    'same-NIK candidate pairs / m(nik exact) over all record pairs'
from prior
union all
select
    'threshold',
    'link',
    null,
    {{ var('person_link_probability', 0.99) }},
    null,
    null,
    log2({{ var('person_link_probability', 0.99) }} / (1 - {{ var('person_link_probability', 0.99) }}))
    - log2(match_share / (1 - match_share)),
    'score for a match probability of var person_link_probability'
from prior
union all
select
    'threshold',
    'review',
    null,
    {{ var('person_review_probability', 0.5) }},
    null,
    null,
    log2({{ var('person_review_probability', 0.5) }} / (1 - {{ var('person_review_probability', 0.5) }}))
    - log2(match_share / (1 - match_share)),
    'score for a match probability of var person_review_probability'
from prior
