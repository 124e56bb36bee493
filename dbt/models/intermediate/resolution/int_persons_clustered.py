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
    records = (
        dbt.ref("int_person_records")
        .filter("not is_repeat_delivery")
        .project("record_key, case when source = 'dtks' then source_path end as dtks_file")
        .order("record_key")  # node numbers, and so tie-breaks below, must not follow scan order
        .df()
    )
    pairs = (
        dbt.ref("int_person_pairs_scored")
        .filter("band = 'linked'")
        .project("record_key_a, record_key_b, match_rule, score")
        .df()
    )
    keys = records["record_key"].to_numpy()
    n = len(keys)
    index = pd.Series(np.arange(n), index=keys)
    a = index.reindex(pairs["record_key_a"]).to_numpy()
    b = index.reindex(pairs["record_key_b"]).to_numpy()
    file_codes, _ = pd.factorize(records["dtks_file"])  # -1 for PKH rows
    del records

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
        rank = pairs["match_rule"].map({rule: i for i, rule in enumerate(RULE_RANK)}).to_numpy()
        # strongest first; equal score and rule: by record numbers, so a re-run decides alike
        order = np.lexsort((b, a, rank, -pairs["score"].to_numpy()))
        kept = _resolve_conflicts(n, a, b, order, file_codes, conflicted)
        labels = components(kept)

    clusters = pd.DataFrame({"record_key": keys, "label": labels})
    clusters["cluster_key"] = clusters.groupby("label")["record_key"].transform("min")
    clusters["cluster_size"] = clusters.groupby("label")["record_key"].transform("size")

    rank = {rule: i for i, rule in enumerate(RULE_RANK)}
    used = pairs[kept]
    ends = pd.concat([
        pd.DataFrame({"record_key": used["record_key_a"], "match_rule": used["match_rule"]}),
        pd.DataFrame({"record_key": used["record_key_b"], "match_rule": used["match_rule"]}),
    ])
    ends["rank"] = ends["match_rule"].map(rank)
    best = ends.sort_values("rank").drop_duplicates("record_key")[["record_key", "match_rule"]]
    clusters = clusters.merge(best, on="record_key", how="left")
    clusters["match_rule"] = clusters["match_rule"].fillna("single_record")
    return clusters[["record_key", "cluster_key", "cluster_size", "match_rule"]]
