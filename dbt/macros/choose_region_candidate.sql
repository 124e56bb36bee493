{#- A small misspelling of a reference name: Jaro-Winkler similarity >= 0.80 and at most one
    edit per four letters of the reference name (at least one, at most three), where an edit is
    an insertion, deletion, substitution or swap of two adjacent letters. Over columns
    similarity, edit_distance and candidate_normalised. -#}
{% macro is_small_misspelling() -%}
    (
        similarity >= 0.80
        and edit_distance <= least(3, greatest(1, length(candidate_normalised) // 4))
    )
{%- endmacro %}

{#- Picks, per text, the best candidate region out of a candidates relation with columns
    (<key>, candidate_code, candidate_normalised, method_rank, similarity, edit_distance),
    method_rank 1 = exact, 2 = normalised, 3 = other. Returns one row per key with
    candidate_code (NULL unless matched) and match_method:
    exact | normalised | fuzzy | ambiguous | unmatched.
    A fuzzy candidate must be a small misspelling (is_small_misspelling below) and clearly better than the runner-up: fewer edits, or
    as few edits and a similarity ahead by at least 0.05. Otherwise two close names are
    `ambiguous`, not guessed. -#}
{% macro choose_region_candidate(candidates, key) -%}
    select
        {{ key }},
        case
            when best.method_rank < 3 and coalesce(best.next_method_rank, 9) > best.method_rank
                then best.candidate_code
            when best.method_rank = 3
                and best.is_small_misspelling
                and best.is_clearly_best
                then best.candidate_code
        end as candidate_code,
        case
            when best.method_rank = 1 and coalesce(best.next_method_rank, 9) > 1 then 'exact'
            when best.method_rank = 2 and coalesce(best.next_method_rank, 9) > 2
                then 'normalised'
            when best.method_rank < 3 then 'ambiguous'
            when best.is_small_misspelling and best.is_clearly_best then 'fuzzy'
            when best.is_small_misspelling then 'ambiguous'
            else 'unmatched'
        end as match_method,
        best.similarity as match_similarity,
    from (
        select
            *,
            {{ is_small_misspelling() }} as is_small_misspelling,
            lead(method_rank) over candidate_order as next_method_rank,
            coalesce(
                lead(edit_distance) over candidate_order > edit_distance
                or similarity - lead(similarity) over candidate_order >= 0.05,
                true
            ) as is_clearly_best,
            row_number() over candidate_order as candidate_rank,
        from {{ candidates }}
        window candidate_order as (
            partition by {{ key }}
            order by method_rank, edit_distance, similarity desc, candidate_code
        )
    ) as best
    where best.candidate_rank = 1
{%- endmacro %}
