{#- Each candidate pair of person records (int_person_pairs_compared over
    int_person_pairs_candidates) scored with its evidence; pairs in the review band or linked
    are kept.

    Two scores of the same levels (int_person_pairs_compared):
      score         the points of seed person_match_points (hand-set; a name key that agrees
                    scores log2(records / records with that key), bounded), thresholds
                    var person_link_score / person_review_score;
      match_weight  the Fellegi-Sunter weights int_person_match_weights estimates on this run
                    (a name key or birth date that agrees: log2(m / its frequency)),
                    thresholds from the estimated prior there.
    var person_score_source ('points', the default, or 'estimated') says which decides the
    band. On both generators the estimated weights alone linked worse (docs/benchmarks.md,
    Linkage): they assume the comparisons independent, and within a family card or a
    district's same-day births they are not. `evidence` names each level with its estimated
    weight and its points.
    Review band: score >= review score, less the NO_KK penalty when both NO_KK are present and
    different (a person keeps the card across deliveries unless the family split or moved, and
    then the NIK usually carries the link). The penalty is left out of linking: it would cost
    movers with a damaged NIK their link.
    A link also needs an anchor: the same trusted NIK, NO_KK or ID_PKH (or, for a NIK whose
    16th digit is untrusted, the same first 15 digits, name key and village), or one of the
    rules below, and no contradicting evidence. -#}
{%- set score_source = var('person_score_source', 'points') -%}
{%- set link_points = var('person_link_score', 10) -%}
{%- set review_points = var('person_review_score', 6) -%}
{%- set no_kk_different_points = var('person_no_kk_different_points', 3) -%}
{%- set levels = [
    ('nik', 'exact'), ('nik', 'exact_15'), ('nik', 'near'), ('nik', 'different'),
    ('nik_kept', 'agree'), ('nik_kept', 'disagree'),
    ('birth', 'equal'), ('birth', 'slip'), ('birth', 'different'),
    ('sex', 'equal'), ('sex', 'different'),
    ('name', 'equal'), ('name', 'similar'), ('name', 'somewhat'), ('name', 'different'),
    ('no_kk', 'equal'), ('no_kk', 'different'), ('id_pkh', 'equal'), ('desa', 'equal'),
] -%}
{%- set points_levels = [
    ('nik', 'exact'), ('nik', 'exact_15'), ('nik', 'near'), ('nik', 'different'),
    ('nik_kept', 'agree'), ('nik_kept', 'disagree'),
    ('birth', 'equal'), ('birth', 'equal_default'), ('birth', 'slip'), ('birth', 'different'),
    ('sex', 'equal'), ('sex', 'different'),
    ('name', 'equal_min'), ('name', 'equal_max'), ('name', 'similar'), ('name', 'somewhat'), ('name', 'different'),
    ('no_kk', 'equal'), ('id_pkh', 'equal'), ('desa', 'equal'),
] -%}
with

-- the estimated weights, one row, one column per level (0 when this run shows no such level)
w as (
    select
        {% for c, l in levels %}coalesce(max(weight) filter (where comparison = '{{ c }}' and level = '{{ l }}'), 0)
            as {{ c }}_{{ l }},
        {% endfor %}max(m) filter (where comparison = 'name' and level = 'equal') as m_name_equal,
        max(m) filter (where comparison = 'birth' and level = 'equal') as m_birth_equal,
        max(weight) filter (where comparison = 'threshold' and level = 'link') as link_score,
        max(weight) filter (where comparison = 'threshold' and level = 'review') as review_score,
    from {{ ref('int_person_match_weights') }}
),

-- the hand-set points, one row, one column per level
p as (
    select
    {%- for c, l in points_levels %}
    max(points) filter (where comparison = '{{ c }}' and level = '{{ l }}') as {{ c }}_{{ l }},
    {%- endfor %}
    from {{ ref('person_match_points') }}
),

compared as (
    select
        compared.* exclude (name_frequency, birth_date_frequency),
        -- term-frequency weights of an agreeing name key and birth date
        log2(w.m_name_equal / compared.name_frequency) as name_tf_weight,
        log2(w.m_birth_equal / compared.birth_date_frequency) as birth_date_tf_weight,
        w.link_score as estimated_link_score,
        w.review_score as estimated_review_score,
    from {{ ref('int_person_pairs_compared') }} as compared
    cross join w
    where not compared.is_random_pair
),

evidence as (
    select
        compared.*,
        -- the NIKs equal in every trusted digit, one digit apart or two adjacent digits swapped
        -- (a typo), the same name key and the same birth date that is no default: one person
        -- whose NIK was mistyped once (twins differ in name and are ruled out in
        -- is_contradicted, default-date elders are excluded)
        ((nik_digits_different <= 1 or is_nik_transposed)
        -- a NIK whose 16th digit a spreadsheet lost cannot tell two namesakes born the same
        -- day in one district apart (serials 0001, 0002): in one delivery, on unrelated
        -- cards, that lost digit is all that would link them
        and not (
            not is_nik_trusted_pair and is_same_file and not is_family_related
            and not is_same_very_rare_name_birth
        )
        -- the region digits (1-6) agree: people born the same day in two districts have
        -- NIKs that differ only there when their serials coincide; unless the slip is
        -- located there (both records live in the kecamatan one of the two NIKs names)
        and (is_nik_region_equal or is_nik_region_typo_located)
        -- the same name key, or (NIKs equal in every trusted digit) a similar spelling, or
        -- (the NIK typo located in one NIK's birth digits: the NIKs were one before it) a
        -- name written another way (a letter typo, words swapped or one dropped)
        and (
            is_name_key_equal or (nik_digits_different = 0 and name_similarity >= 0.92)
            or (is_nik_typo_located and name_similarity >= 0.85)
        )
        -- the same birth date, or a typing slip of it (the score then needs a rarer name)
        and (is_birth_date_equal or is_birth_date_slip)
        and not is_any_default_birth_date
        -- at least one NIK agrees with its record's birth date and sex (the other may carry
        -- the typo in its birth digits); a typo landing on a real NIK of that date is
        -- what the rest of the evidence must rule out
        and is_any_nik_birth_consistent
        and is_sex_equal is distinct from false)
        -- or a NIK with one digit dropped or doubled (15 or 17 digits) that the other NIK
        -- explains, the same name key or a similar spelling, the same birth date (no default),
        -- the 16-digit NIK agreeing with its record's birth date and sex
        or (
            is_nik_indel
            and (is_name_key_equal or name_similarity >= 0.92)
            and is_birth_date_equal
            and not is_any_default_birth_date
            and is_any_nik_birth_consistent
            and is_sex_equal is distinct from false)
            as is_near_nik_name_birth,
        -- one record lost its NIK (empty, scientific notation): a rare name (weight >= 8) with
        -- the same birth date (no default) that only one NIK in all records carries, whose
        -- digits agree with that birth date and sex (or would but for one typing slip there:
        -- is_lone_nik_birth_near), in the same kecamatan: the person split
        -- off onto a new card in a later file. A common name never qualifies; a move to
        -- another kecamatan is not enough (same rare name and birth date happen regency-wide),
        -- unless what is left of the lost NIK, or the kecamatan its record lives in, is the
        -- other NIK's district of issue (a mover keeps the NIK: is_lost_nik_region_agreeing).
        (
            (is_kecamatan_equal or is_lost_nik_region_agreeing)
            and is_one_nik_missing
            and is_nik_kept_digits_equal is distinct from false
            and is_name_key_equal
            and name_weight >= {{ var('person_rare_name_weight', 8) }}
            and is_birth_date_equal
            and not is_any_default_birth_date
            and is_lone_nik_birth_near
            and name_birth_nik_count = 1
            and is_sex_equal is distinct from false
        ) as is_rare_name_birth,
        -- at least one record without a NIK: the same village, name key and non-default birth
        -- date, the same sex, any kept NIK digits agreeing (how a field officer finds a person
        -- without a NIK); the score still has to reach the link score, so common names never
        -- link this way
        (
            (nik_digits_different is null)
            and is_kode_desa_equal
            and is_name_key_equal
            and is_birth_date_equal
            and not is_any_default_birth_date
            and is_sex_equal is distinct from false
            and is_nik_kept_digits_equal is distinct from false
            -- no two NIK holders share this name and birth date
            and coalesce(name_birth_nik_count, 0) <= 1
            -- the family agrees (the same card, or one a digit off) or the name is rare: two
            -- children named MUHAMMAD RIZKY born the same day in one village do happen
            and (is_family_related or name_weight >= {{ var('person_rare_name_weight', 8) }})
        ) as is_name_birth_desa,
        -- contradicting identity evidence: never one person, in one file or across files
        -- (int_persons_clustered applies the same list inside each component: keep in step)
        -- (two NIKs, neither visibly mistyped: a NIK disagreeing with its own birth date
        -- proves nothing against the other)
        coalesce(nik_digits_different >= 2 and not is_nik_transposed and not is_any_nik_visibly_mistyped, false)
        or coalesce(is_sex_equal = false and not is_name_key_equal, false)
        or (is_twin_pair_any and not is_nik_transposed)
        or is_serial_neighbour_pair
        -- one NIK on two members of one card whose names have nothing in common
        or is_nik_on_another_member
        -- two NIKs, each agreeing with its own record's birth date, and the dates differ:
        -- two people (the NIK is derived from the birth date)
        or coalesce(is_birth_date_equal = false and is_each_nik_birth_consistent, false)
        -- birth dates no typing slip explains, neither a registry default, and no shared NIK
        -- (a mother and her same-named daughter on one card)
        or coalesce(
            is_birth_date_equal = false and not is_birth_date_slip
            and not is_any_default_birth_date and coalesce(nik_digits_different, 1) > 0, false)
            as is_contradicted,
        -- a PKH recipient whose NIK no DTKS row carries, one digit off (or two adjacent digits
        -- swapped, or the compatible kept digits of a lost NIK) the NIK of the only DTKS person
        -- of the village with that name who could be them (docs/resolution.md)
        -- and a rare name (weight >= var person_rare_name_weight, as for the lost-NIK rules):
        -- a recipient missing from DTKS (an inclusion case) with a common name often has a
        -- DTKS namesake in the village whose NIK is one birth digit away (born a day apart,
        -- both serial 0001), whom uniqueness among DTKS rows cannot rule out
        coalesce(
            is_pkh_near_possible and is_pkh_near_strict and pkh_near_unique.rid_a is not null
            and name_weight >= {{ var('person_rare_name_weight', 8) }},
            false
        ) as is_pkh_near_nik_desa,
        -- a record without a NIK and the only person of its village born that day, of its sex,
        -- on another card, whose name is one letter off (IMAM IQBAL / IMAM IKBAL): a NIK lost
        -- and a name mistyped on one row, which no block with the name key finds
        near_name_birth_desa_unique.rid_a is not null as is_near_name_birth_desa,
        -- two records on two cards of one family, each the one of its name there, neither NIK
        -- on the other card (int_person_card_move_pairs): a member carried onto the new card
        -- whose NIK was lost or mistyped on one of them. What contradicts (two NIKs no typo
        -- explains, birth dates no slip explains) still keeps them apart
        card_move_pairs.rid_a is not null as is_card_move_name,
    from compared
    left join {{ ref('int_person_pairs_unique_rules') }} as pkh_near_unique
        on compared.rid_a = pkh_near_unique.rid_a and compared.rid_b = pkh_near_unique.rid_b
            and pkh_near_unique.rule = 'pkh_near_nik_desa'
    left join {{ ref('int_person_pairs_unique_rules') }} as near_name_birth_desa_unique
        on compared.rid_a = near_name_birth_desa_unique.rid_a
            and compared.rid_b = near_name_birth_desa_unique.rid_b
            and near_name_birth_desa_unique.rule = 'near_name_birth_desa'
    left join {{ ref('int_person_card_move_pairs') }} as card_move_pairs
        on compared.rid_a = card_move_pairs.rid_a and compared.rid_b = card_move_pairs.rid_b
),

weighed as (
    select
        compared_evidence.*,
        case nik_level
            {% for c, l in levels if c == 'nik' %}when '{{ l }}' then w.nik_{{ l }}
            {% endfor %}else 0
        end
        + case nik_kept_level when 'agree' then w.nik_kept_agree when 'disagree' then w.nik_kept_disagree else 0 end
            as fs_nik_points,
        case birth_level
            when 'equal' then birth_date_tf_weight
            when 'slip' then w.birth_slip
            when 'different' then w.birth_different
            else 0
        end as fs_birth_points,
        case sex_level when 'equal' then w.sex_equal when 'different' then w.sex_different else 0 end
            as fs_sex_points,
        case name_level
            when 'equal' then name_tf_weight
            when 'similar' then w.name_similar
            when 'somewhat' then w.name_somewhat
            when 'different' then w.name_different
            else 0
        end as fs_name_points,
        case when no_kk_level = 'equal' then w.no_kk_equal else 0 end as fs_no_kk_points,
        case when id_pkh_level = 'equal' then w.id_pkh_equal else 0 end as fs_id_pkh_points,
        case when desa_level = 'equal' then w.desa_equal else 0 end as fs_desa_points,
        w.no_kk_different as no_kk_different_weight,
        -- the hand-set points of the same levels (seed person_match_points)
        case
            when nik_level = 'exact' then p.nik_exact
            when nik_level = 'exact_15' then p.nik_exact_15
            when nik_level = 'near' then p.nik_near
            when nik_level = 'different' then p.nik_different
            else 0
        end
        + case nik_kept_level when 'agree' then p.nik_kept_agree when 'disagree' then p.nik_kept_disagree else 0 end
            as nik_points,
        case
            when birth_level = 'equal' and is_default_birth_date then p.birth_equal_default
            when birth_level = 'equal' then p.birth_equal
            when birth_level = 'slip' then p.birth_slip
            when birth_level = 'different' then p.birth_different
            else 0
        end
        + case sex_level when 'equal' then p.sex_equal when 'different' then p.sex_different else 0 end
        + case name_level
            when 'equal' then least(p.name_equal_max, greatest(p.name_equal_min, name_weight))
            when 'similar' then p.name_similar * coalesce(least(p.name_equal_max, greatest(p.name_equal_min, name_weight)), p.name_equal_min)
            when 'somewhat' then p.name_somewhat
            -- a missing name counts as different (it cannot vouch for anyone)
            else p.name_different
        end
        + case when no_kk_level = 'equal' then p.no_kk_equal else 0 end
        + case when id_pkh_level = 'equal' then p.id_pkh_equal else 0 end
        + case when desa_level = 'equal' then p.desa_equal else 0 end
            as other_points,
    from evidence as compared_evidence
    cross join w
    cross join p
),

scored as (
    select
        *,
        nik_points + other_points as score,
        fs_nik_points + fs_birth_points + fs_sex_points + fs_name_points + fs_no_kk_points
        + fs_id_pkh_points + fs_desa_points as match_weight,
        -- each level and its estimated weight, for the review list and any question about a link
        concat_ws(
            ' ',
            'nik=' || nik_level || '(' || round(fs_nik_points, 1) || ')',
            'kept=' || nik_kept_level,
            'birth=' || birth_level || '(' || round(fs_birth_points, 1) || ')',
            'sex=' || sex_level || '(' || round(fs_sex_points, 1) || ')',
            'name=' || name_level || '(' || round(fs_name_points, 1) || ')',
            'no_kk=' || no_kk_level || '(' || round(fs_no_kk_points, 1) || ')',
            'id_pkh=' || id_pkh_level || '(' || round(fs_id_pkh_points, 1) || ')',
            'desa=' || desa_level || '(' || round(fs_desa_points, 1) || ')'
        ) as evidence,
        -- what a link needs besides the score: a trusted NIK, the family card or the PKH id
        -- in common, or (15-digit NIK from a number cell) the name and village too. Without
        -- the same trusted NIK, birth dates that differ beyond a typing slip rule a link out.
        coalesce(
            (nik_digits_different = 0 and is_nik_trusted_pair)
            or (
                (
                    is_no_kk_equal
                    or is_id_pkh_equal
                    or (nik_digits_different = 0 and is_name_key_equal and is_kode_desa_equal
                    -- not two rows of one delivery on unrelated cards: the lost 16th digit is
                    -- what tells namesakes born the same day apart (see is_near_nik_name_birth)
                    and not (is_same_file and not is_family_related and not is_same_very_rare_name_birth))
                )
                and (is_birth_date_equal is distinct from false or is_birth_date_slip)
            )
            or is_near_nik_name_birth
            or is_rare_name_birth
            or is_name_birth_desa
            or is_pkh_near_nik_desa
            or is_near_name_birth_desa
            or is_card_move_name, false)
            as has_anchor,
    from weighed
),

linked as (
    select
        *,
        has_anchor
        and not is_contradicted
        {%- if score_source == 'estimated' %}
            and (match_weight >= estimated_link_score
                or (is_near_nik_name_birth
                    and (match_weight - fs_nik_points >= estimated_link_score
                        or coalesce(is_nik_typo_located, false)))
                or is_pkh_near_nik_desa
                or is_near_name_birth_desa
                or is_card_move_name)
            {%- else %}
        -- a located NIK typo needs no more score: the two NIKs were one before the slip
        and (score >= {{ link_points }} or (
            is_near_nik_name_birth
            and (score - nik_points >= {{ link_points }} or coalesce(is_nik_typo_located, false))
        )
        -- the only DTKS person of the village a PKH recipient's NIK typo can come from
        or is_pkh_near_nik_desa
        -- the only person of the village born that day whose name is a letter off
        or is_near_name_birth_desa
        -- the one record of the name on each of two cards of one family
        or is_card_move_name)
        {%- endif %}
            as is_linked,
    from scored
),

banded as (
    select
        * exclude (is_linked),
        case
            when is_linked then 'linked'
            -- contradicting evidence (twins, two NIKs no typo explains) settles it: no review
            when not is_contradicted
            {%- if score_source == 'estimated' %}
                and match_weight + case when no_kk_level = 'different' then no_kk_different_weight else 0 end
                    >= estimated_review_score
                {%- else %}
            and score - case when is_no_kk_different then {{ no_kk_different_points }} else 0 end
            >= {{ review_points }}
            {%- endif %}
                then 'needs_review'
            else 'distinct'
        end as band,
        -- the rule that joined the pair, for the per-row explanation
        case
            when not is_linked then null
            when nik_digits_different = 0 and is_nik_trusted_pair and source_a = source_b
                then 'nik_exact'
            when nik_digits_different = 0 and is_nik_trusted_pair then 'nik_exact_pkh_dtks'
            when is_id_pkh_equal then 'id_pkh_and_name'
            when is_no_kk_equal then 'no_kk_and_name'
            when nik_digits_different = 0 and is_name_key_equal and is_kode_desa_equal
                then 'nik15_name_desa'
            when is_near_nik_name_birth then 'nik_near_name_birth'
            when is_rare_name_birth then 'rare_name_birth'
            when is_name_birth_desa then 'name_birth_desa'
            when is_pkh_near_nik_desa then 'pkh_near_nik_desa'
            when is_near_name_birth_desa then 'near_name_birth_desa'
            else 'card_move_name'
        end as match_rule,
    from linked
)

-- the record keys of the kept pairs (int_person_pairs_compared carries the integer rids only:
-- writing two ~60-character keys for every compared pair cost more than this join)
select
    record_a.record_key as record_key_a,
    record_b.record_key as record_key_b,
    banded.*,
from banded
inner join {{ ref('int_person_match_records') }} as record_a on record_a.rid = banded.rid_a
inner join {{ ref('int_person_match_records') }} as record_b on record_b.rid = banded.rid_b
where banded.band <> 'distinct'
