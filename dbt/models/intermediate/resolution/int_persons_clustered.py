"""One row per canonical person record with its person cluster (connected components of the
'linked' pairs of int_person_pairs_scored) and the rule that joined it.

`cluster_key` is internal to one run (the smallest record key of the cluster): stable person
ids come from int_identity__id_map, never from this key.
"""

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

# The strongest rule a record was joined by, when it has several linked pairs.
RULE_RANK = ["nik_exact", "nik_exact_pkh_dtks", "id_pkh_and_name", "no_kk_and_name", "nik15_name_desa"]


def model(dbt, session):
    dbt.config(materialized="table")
    records = (
        dbt.ref("int_person_records")
        .filter("not is_repeat_delivery")
        .project("record_key")
        .df()
    )
    pairs = (
        dbt.ref("int_person_pairs_scored")
        .filter("band = 'linked'")
        .project("record_key_a, record_key_b, match_rule")
        .df()
    )
    keys = records["record_key"].to_numpy()
    index = pd.Series(np.arange(len(keys)), index=keys)
    a = index.reindex(pairs["record_key_a"]).to_numpy()
    b = index.reindex(pairs["record_key_b"]).to_numpy()
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(len(keys), len(keys)))
    _, labels = connected_components(graph, directed=False)

    clusters = pd.DataFrame({"record_key": keys, "label": labels})
    clusters["cluster_key"] = clusters.groupby("label")["record_key"].transform("min")
    clusters["cluster_size"] = clusters.groupby("label")["record_key"].transform("size")

    rank = {rule: i for i, rule in enumerate(RULE_RANK)}
    ends = pd.concat([
        pd.DataFrame({"record_key": pairs["record_key_a"], "match_rule": pairs["match_rule"]}),
        pd.DataFrame({"record_key": pairs["record_key_b"], "match_rule": pairs["match_rule"]}),
    ])
    ends["rank"] = ends["match_rule"].map(rank)
    best = ends.sort_values("rank").drop_duplicates("record_key")[["record_key", "match_rule"]]
    clusters = clusters.merge(best, on="record_key", how="left")
    clusters["match_rule"] = clusters["match_rule"].fillna("single_record")
    return clusters[["record_key", "cluster_key", "cluster_size", "match_rule"]]
