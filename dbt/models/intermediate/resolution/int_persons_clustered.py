"""One row per canonical person record with its person cluster (connected components of the
'linked' pairs of int_person_pairs_scored) and the rule that joined it.

A file lists a person once, so two DTKS rows of the same file (whatever the sheet) are never
one person (a cannot-link). Most components hold no such two rows and are taken as they are. In a
component that does (a chain of links, e.g. a PKH row without NIK sharing the card and the
name of a mother and her same-named daughter), the links are applied again strongest first
(score, then rule, then record key) and a link that would join two rows of one DTKS file is
dropped.

`cluster_key` is internal to one run (the smallest record key of the cluster): stable person
ids come from int_identity__id_map, never from this key.
"""

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

# The strongest rule a record was joined by, when it has several linked pairs.
RULE_RANK = ["nik_exact", "nik_exact_pkh_dtks", "id_pkh_and_name", "no_kk_and_name", "nik15_name_desa",
             "nik_near_name_birth", "rare_name_birth"]


def _resolve_conflicts(n: int, a: np.ndarray, b: np.ndarray, order: np.ndarray,
                       file_of: np.ndarray, conflicted: np.ndarray) -> np.ndarray:
    """Union-find over the edges of conflicted components, strongest first, never joining two
    rows of one DTKS file. Returns a boolean mask of the edges kept."""
    parent = {}
    files = {}

    def find(x):
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def files_of(x):
        if x not in files:
            files[x] = {file_of[x]} if file_of[x] >= 0 else set()
        return files[x]

    kept = np.ones(len(a), dtype=bool)
    for e in order:
        if not conflicted[e]:
            continue
        ra, rb = find(a[e]), find(b[e])
        if ra == rb:
            continue
        fa, fb = files_of(ra), files_of(rb)
        if fa & fb:
            kept[e] = False
            continue
        if len(fa) < len(fb):
            ra, rb, fa, fb = rb, ra, fb, fa
        parent[rb] = ra
        fa |= fb
        files.pop(rb, None)
    return kept


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("int_person_records").create_view("person_records", replace=True)
    dbt.ref("int_person_pairs_scored").create_view("person_pairs", replace=True)
    # Strings stay in DuckDB; Python sees integers only. Node i is the i-th canonical record in
    # record-key order, so the smallest node of a cluster is its smallest key and every
    # tie-break below is by record key, never by scan order.
    session.execute("""
        create or replace temp table person_nodes as
        select
            record_key,
            (row_number() over (order by record_key) - 1)::integer as node,
            case when source = 'dtks' then dense_rank() over (partition by source order by source_path) - 1
                 else -1 end::integer as dtks_file,
        from person_records
        where not is_repeat_delivery
    """)
    file_codes = session.sql("select dtks_file from person_nodes order by node").fetchnumpy()["dtks_file"]
    n = len(file_codes)
    edges = session.execute("""
        select a.node as a, b.node as b, pairs.score,
            (list_position($rules, pairs.match_rule) - 1)::integer as rank,
        from person_pairs as pairs
        inner join person_nodes as a on a.record_key = pairs.record_key_a
        inner join person_nodes as b on b.record_key = pairs.record_key_b
        where pairs.band = 'linked'
        order by a, b
    """, {"rules": RULE_RANK}).fetchnumpy()
    a, b, score, rank = (np.asarray(edges[c]) for c in ("a", "b", "score", "rank"))

    def components(mask):
        graph = coo_matrix((np.ones(int(mask.sum()), dtype=np.int8), (a[mask], b[mask])), shape=(n, n))
        return connected_components(graph, directed=False)[1]

    kept = np.ones(len(a), dtype=bool)
    labels = components(kept)
    # components holding two rows of one DTKS file
    dtks_rows = pd.DataFrame({"label": labels, "file": file_codes})[file_codes >= 0]
    clashing = dtks_rows.duplicated(["label", "file"])
    bad_labels = np.unique(dtks_rows.loc[clashing, "label"].to_numpy())
    if len(bad_labels):
        conflicted = np.isin(labels[a], bad_labels)
        # strongest first; equal score and rule: by record key (edges come sorted by a, b)
        order = np.lexsort((rank, -score))
        kept = _resolve_conflicts(n, a, b, order, file_codes, conflicted)
        labels = components(kept)

    _, first_node, label_index = np.unique(labels, return_index=True, return_inverse=True)
    best_rank = np.full(n, len(RULE_RANK), dtype=np.int32)  # len(RULE_RANK): single_record
    np.minimum.at(best_rank, a[kept], rank[kept])
    np.minimum.at(best_rank, b[kept], rank[kept])
    clustered = pa.table({
        "node": np.arange(n, dtype=np.int32),
        "cluster_node": first_node[label_index].astype(np.int32),
        "cluster_size": np.bincount(labels)[labels].astype(np.int64),
        "rule_rank": best_rank + 1,
    })
    session.register("person_clustered_nodes", clustered)
    result = session.sql("""
        select
            records.record_key,
            clusters.record_key as cluster_key,
            nodes.cluster_size,
            coalesce(list_extract($rules, nodes.rule_rank), 'single_record') as match_rule,
        from person_clustered_nodes as nodes
        inner join person_nodes as records on records.node = nodes.node
        inner join person_nodes as clusters on clusters.node = nodes.cluster_node
    """, params={"rules": RULE_RANK}).to_arrow_table()
    session.unregister("person_clustered_nodes")
    session.execute("drop table person_nodes; drop view person_pairs; drop view person_records")
    return result
