"""One row per canonical person record with its person cluster (connected components of the
'linked' pairs of int_person_pairs_scored) and the rule that joined it.

Only contradicting identity evidence keeps two records apart, wherever they are (two rows of
one file can be one person: data ganda, a family pasted twice). A chain of links can join two
records that contradict each other although no link between them was ever scored (e.g. a PKH
row without NIK sharing the card and the name of a mother and her same-named daughter). So the
records of each component are compared pairwise with the same contradictions as
int_person_pairs_scored.is_contradicted (keep the two in step):
  - two NIKs that differ in two or more digits and are not two adjacent digits swapped
    (in the first 15 digits when a 16th digit is untrusted), neither visibly mistyped (birth
    digits disagreeing with its own record's birth date);
  - a different sex with a different name key;
  - twins: the same card and birth date, different name keys, NIKs differing in the serial
    (not by a swap);
  - two NIKs each agreeing with its own record's birth date, and the dates differ;
  - NIKs equal but for the last digit on cards that are neither equal, a digit apart nor two
    cards of one family (int_person_related_cards) (Dukcapil numbers people of one district
    born the same day in order: namesakes), unless both carry the same very rare name key and
    the same birth date that is no default;
  - birth dates that differ beyond a typing slip (day/month swapped, one digit of DDMMYYYY),
    neither a registry default (macro is_default_birth_date), without the same NIK;
  - two DTKS rows with the same NIK and card whose names share no word and whose name keys
    are more than two edits apart (the NIK typed onto a sibling's row).
Most components hold no such pair and are taken as they are. In one that does, the links are
applied again strongest first (score, then rule, then record key) and a link that would put two
contradicting records together is dropped.

`cluster_key` is internal to one run (the smallest record key of the cluster): stable person
ids come from int_identity__id_map, never from this key.
"""

import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

# The strongest rule a record was joined by, when it has several linked pairs.
RULE_RANK = [
    "nik_exact",
    "nik_exact_pkh_dtks",
    "id_pkh_and_name",
    "no_kk_and_name",
    "nik15_name_desa",
    "nik_near_name_birth",
    "rare_name_birth",
    "name_birth_desa",
    "pkh_near_nik_desa",
    "near_name_birth_desa",
    "card_move_name",
]


def _resolve_conflicts(
    a: np.ndarray,
    b: np.ndarray,
    order: np.ndarray,
    against: dict[int, set[int]],
) -> np.ndarray:
    """Union-find over the edges `order` (those of conflicted components, strongest first),
    never joining two groups that hold a contradicting pair (`against`: node -> nodes it
    contradicts). Returns a boolean mask of all edges, False for the ones dropped."""
    parent: dict[int, int] = {}
    members: dict[int, set[int]] = {}

    def find(x):
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def members_of(x):
        if x not in members:
            members[x] = {x}
        return members[x]

    kept = np.ones(len(a), dtype=bool)
    for e in order:
        ra, rb = find(a[e]), find(b[e])
        if ra == rb:
            continue
        ma, mb = members_of(ra), members_of(rb)
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        if any(against.get(x, set()) & ma for x in mb):
            kept[e] = False
            continue
        parent[rb] = ra
        ma |= mb
        members.pop(rb, None)
    return kept


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The connected components of nodes 0..n-1 joined by the edges (a[i], b[i]): a label per
    node, numbered 0..k-1."""
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("int_person_pairs_scored").create_view("person_pairs", replace=True)
    dbt.ref("int_person_match_records").create_view("person_match_records", replace=True)
    dbt.ref("int_person_related_cards").create_view("related_cards", replace=True)
    # Strings stay in DuckDB; Python sees integers only. Node i is the record whose `rid` is
    # i + 1: int_person_match_records numbers the canonical records 1..n in record-key order,
    # so the smallest node of a cluster is its smallest key and every tie-break below is by
    # record key, never by scan order. (Before, a temp table copied every record's key and
    # ten columns to number them, and the linked pairs joined it twice on string keys: at
    # province scale, 21M records, the model took 123-133 s, now 64 s.) Nodes are 32-bit and
    # rule ranks 8-bit: at province the linked pairs' arrays sit beside DuckDB's full memory
    # limit, in the same process.
    n, max_rid = session.execute("select count(*), max(rid) from person_match_records").fetchone()
    assert n == (max_rid or 0), "int_person_match_records.rid must run from 1 to its row count"
    edges = session.execute(
        """
        select (rid_a - 1)::integer as a, (rid_b - 1)::integer as b, score,
            (list_position($rules, match_rule) - 1)::tinyint as rank,
        from person_pairs
        where band = 'linked'
    """,
        {"rules": RULE_RANK},
    ).fetchnumpy()
    a, b, score, rank = (np.asarray(edges[c]) for c in ("a", "b", "score", "rank"))

    kept = np.ones(len(a), dtype=bool)
    labels = _components(n, a, b)
    # contradicting pairs inside a component (see the docstring; the pairwise comparison runs
    # only within components of two or more records)
    session.register(
        "person_labels", pa.table({"node": np.arange(n, dtype=np.int32), "label": labels})
    )
    contradicting = session.sql("""
        with nodes as (
            select
                person_labels.node,
                person_labels.label,
                case when records.is_nik_last_digit_untrusted then records.nik15 else records.nik end as nik,
                records.is_nik_birth_consistent,
                records.is_nik_last_digit_untrusted,
                records.jenis_kelamin,
                records.source,
                records.nama_normal,
                records.nama_key,
                records.no_kk,
                records.tanggal_lahir,
                records.is_default_birth_date,
                -- a very rare name with a birth date that is no registry default (see below)
                coalesce(records.is_name_very_rare and not records.is_default_birth_date, false)
                    as is_rare_name_dated,
            from person_labels
            inner join person_match_records as records on records.rid = person_labels.node + 1
            where person_labels.label in (select label from person_labels group by label having count(*) > 1)
        )
        select a.node as a, b.node as b, a.label,
        from nodes as a inner join nodes as b on a.label = b.label and a.node < b.node
        where (
            not (a.tanggal_lahir is not null and not a.is_nik_birth_consistent)
            and not (b.tanggal_lahir is not null and not b.is_nik_birth_consistent)
            and length(a.nik) = length(b.nik)
            and hamming(a.nik, b.nik) >= 2
            and not (hamming(a.nik, b.nik) = 2 and len([
                pos for pos in range(1, length(a.nik))
                if substr(a.nik, pos, 1) = substr(b.nik, pos + 1, 1)
                    and substr(a.nik, pos + 1, 1) = substr(b.nik, pos, 1)
                    and substr(a.nik, pos, 1) <> substr(a.nik, pos + 1, 1)
            ]) > 0)
        )
        or (
            -- one 15-digit (untrusted 16th digit) NIK against a 16-digit one
            not (a.tanggal_lahir is not null and not a.is_nik_birth_consistent)
            and not (b.tanggal_lahir is not null and not b.is_nik_birth_consistent)
            and length(a.nik) <> length(b.nik) and hamming(left(a.nik, 15), left(b.nik, 15)) >= 2
        )
        or (not a.is_nik_last_digit_untrusted and not b.is_nik_last_digit_untrusted
            and left(a.nik, 15) = left(b.nik, 15) and a.nik <> b.nik
            and not coalesce(a.no_kk = b.no_kk or hamming(a.no_kk, b.no_kk) = 1, false)
            and not exists (
                select 1 from related_cards
                where related_cards.no_kk_a = least(a.no_kk, b.no_kk)
                    and related_cards.no_kk_b = greatest(a.no_kk, b.no_kk))
            and not coalesce(a.nama_key = b.nama_key and a.is_rare_name_dated
                and a.tanggal_lahir = b.tanggal_lahir, false))
        or (a.jenis_kelamin <> b.jenis_kelamin and a.nama_key <> b.nama_key)
        or (a.tanggal_lahir <> b.tanggal_lahir
            and not (day(a.tanggal_lahir) = month(b.tanggal_lahir) and month(a.tanggal_lahir) = day(b.tanggal_lahir)
                and year(a.tanggal_lahir) = year(b.tanggal_lahir))
            and hamming(strftime(a.tanggal_lahir, '%d%m%Y'), strftime(b.tanggal_lahir, '%d%m%Y')) > 1
            and not a.is_default_birth_date and not b.is_default_birth_date
            and (a.nik is null or b.nik is null or a.nik <> b.nik))
        or (a.no_kk = b.no_kk and a.tanggal_lahir = b.tanggal_lahir and a.nama_key <> b.nama_key
            and left(a.nik, 12) = left(b.nik, 12) and a.nik <> b.nik
            and not a.is_nik_last_digit_untrusted and not b.is_nik_last_digit_untrusted
            and not (hamming(a.nik, b.nik) = 2 and len([
                pos for pos in range(1, length(a.nik))
                if substr(a.nik, pos, 1) = substr(b.nik, pos + 1, 1)
                    and substr(a.nik, pos + 1, 1) = substr(b.nik, pos, 1)
                    and substr(a.nik, pos, 1) <> substr(a.nik, pos + 1, 1)
            ]) > 0))
        or (a.tanggal_lahir <> b.tanggal_lahir and a.is_nik_birth_consistent and b.is_nik_birth_consistent)
        or (a.source = 'dtks' and b.source = 'dtks' and a.nik = b.nik and a.no_kk = b.no_kk
            and not list_has_any(string_split(a.nama_normal, ' '), string_split(b.nama_normal, ' '))
            and levenshtein(a.nama_key, b.nama_key) > 2)
    """).fetchnumpy()
    session.unregister("person_labels")
    if len(contradicting["a"]):
        against: dict[int, set[int]] = {}
        for x, y in zip(contradicting["a"].tolist(), contradicting["b"].tolist()):
            against.setdefault(x, set()).add(y)
            against.setdefault(y, set()).add(x)
        conflicted = np.flatnonzero(np.isin(labels[a], np.unique(contradicting["label"])))
        # the edges of conflicted components, strongest first; equal score and rule: by record
        # key (node a, then node b). Only these are sorted and walked in Python (at province
        # scale 47,653 of 15.5M linked pairs).
        order = conflicted[
            np.lexsort((b[conflicted], a[conflicted], rank[conflicted], -score[conflicted]))
        ]
        kept = _resolve_conflicts(a, b, order, against)
        labels = _components(n, a[kept], b[kept])

    best_rank = np.full(n, len(RULE_RANK), dtype=np.int32)  # len(RULE_RANK): single_record
    np.minimum.at(best_rank, a[kept], rank[kept])
    np.minimum.at(best_rank, b[kept], rank[kept])
    # done with the linked pairs: their arrays go before the output's columns are built
    del edges, a, b, score, rank, kept
    # connected_components numbers the components 0..k-1; each is named by its smallest node
    sizes = np.bincount(labels)
    first_node = np.full(len(sizes), n, dtype=np.int32)
    np.minimum.at(first_node, labels, np.arange(n, dtype=np.int32))
    clustered = pa.table(
        {
            "node": np.arange(n, dtype=np.int32),
            "cluster_node": first_node[labels],
            "cluster_size": sizes[labels].astype(np.int64),
            "rule_rank": best_rank + 1,
        }
    )
    session.register("person_clustered_nodes", clustered)
    # Returned as a DuckDB relation, not fetched: dbt-duckdb writes it with this model's own
    # cursor, so the record keys (21M rows at province scale) never become one Arrow table in
    # Python (2 GB more than DuckDB's memory limit). The views and registered nodes above
    # belong to that cursor and go with it.
    return session.sql(
        """
        select
            records.record_key,
            clusters.record_key as cluster_key,
            nodes.cluster_size,
            coalesce(list_extract($rules, nodes.rule_rank), 'single_record') as match_rule,
        from person_clustered_nodes as nodes
        inner join person_match_records as records on records.rid = nodes.node + 1
        inner join person_match_records as clusters on clusters.rid = nodes.cluster_node + 1
    """,
        params={"rules": RULE_RANK},
    )
