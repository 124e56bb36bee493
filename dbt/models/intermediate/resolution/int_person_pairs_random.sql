{#- A sample of random pairs of person records, from which int_person_match_weights estimates
    how often two different persons agree by chance (the u probabilities). Records are put in
    a fixed pseudo-random order (a hash of the record number, so a re-run samples alike) and
    the k-th record is paired with the records a half, a third, a fifth and a seventh of the
    list further on (wrapping round): no block involved (blocks are exactly where records
    agree). Nearly all such pairs are two different persons. At most
    var('person_u_sample_pairs') pairs. -#}
with

shuffled as (
    select
        rid,
        row_number() over (
            order by hash(rid), rid
        ) as k,
        count(*) over () as n,
    from {{ ref('int_person_match_records') }}
)

select distinct
    least(a.rid, b.rid) as rid_a,
    greatest(a.rid, b.rid) as rid_b
from shuffled as a
cross join (values (2), (3), (5), (7)) as offsets (divisor)
inner join shuffled as b on b.k = (a.k - 1 + a.n // offsets.divisor) % a.n + 1
where a.rid <> b.rid
    and (a.k - 1) * 4 + offsets.divisor // 2 < {{ var('person_u_sample_pairs', 1000000) }}
