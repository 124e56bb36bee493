"""The persisted id map: which person and household every canonical DTKS/PKH row belongs to.

This model reads its own previous state (the table it replaces) before writing the new one,
so ids survive runs; `dbt build` rebuilds it from old state + this run's clusters:

- A cluster keeps the id most of whose earlier rows it holds. When a cluster holds rows of
  several earlier ids (new evidence merged them), the oldest id survives (first run it was
  seen; then the one with more rows; then the smaller id) and each other id is retired with
  a row `kind = 'retired'` pointing to the survivor (chains are kept resolved).
- When an earlier id's rows end up in several clusters (a split), the cluster holding most of
  them keeps the id; the others get new ids.
- A new id is 'P' (person) or 'H' (household) + the first 12 hex digits of the sha256 of the
  founding row's identity (the cluster's first row by record key when it is first seen);
  never cluster order. It is then persisted, so later changes to the cluster do not move it.

Columns: entity (person|household), kind (member|retired), record_key (member rows),
retired_id (retired rows), id (the current id), id_first_run, run.
"""

import hashlib

import pandas as pd

COLUMNS = ["entity", "kind", "record_key", "retired_id", "id", "id_first_run", "run"]


def _previous_state(dbt, session) -> pd.DataFrame:
    try:
        return session.sql(f"select * from {dbt.this}").df()
    except Exception:  # first run: no table yet
        return pd.DataFrame(columns=COLUMNS)


def _new_id(prefix: str, founding_key: str, taken: set) -> str:
    salt = 0
    while True:
        text = founding_key if salt == 0 else f"{founding_key}#{salt}"
        candidate = prefix + hashlib.sha256(text.encode()).hexdigest()[:12]
        if candidate not in taken:
            taken.add(candidate)
            return candidate
        salt += 1


def assign(entity: str, prefix: str, current: pd.DataFrame, previous: pd.DataFrame, run: int) -> pd.DataFrame:
    """current: record_key, cluster. previous: earlier rows of the id map for this entity."""
    members = previous[previous["kind"] == "member"][["record_key", "id", "id_first_run"]]
    retired = previous[previous["kind"] == "retired"][["retired_id", "id", "id_first_run"]]
    joined = current.merge(members, on="record_key", how="left")

    # Each earlier id is claimed by the cluster holding most of its rows.
    counts = joined.dropna(subset=["id"]).groupby(["id", "cluster"], as_index=False).agg(
        rows=("record_key", "size"), id_first_run=("id_first_run", "min"))
    claims = counts.sort_values(["id", "rows", "cluster"], ascending=[True, False, True]).drop_duplicates("id")
    # In a cluster claiming several ids, the oldest survives; the others retire into it.
    claims = claims.sort_values(["cluster", "id_first_run", "rows", "id"], ascending=[True, True, False, True])
    survivors = claims.drop_duplicates("cluster")[["cluster", "id", "id_first_run"]]
    newly_retired = claims.merge(survivors[["cluster", "id"]].rename(columns={"id": "survivor"}), on="cluster")
    newly_retired = newly_retired[newly_retired["id"] != newly_retired["survivor"]]

    taken = set(previous["id"].dropna()) | set(previous["retired_id"].dropna())
    # an anti-join by merge: Series.isin on Arrow strings is slow at a million rows
    marked = current.merge(survivors[["cluster"]], on="cluster", how="left", indicator=True)
    unclaimed = marked[marked["_merge"] == "left_only"][["record_key", "cluster"]]
    founders = unclaimed.groupby("cluster", as_index=False)["record_key"].min()
    founders["id"] = [_new_id(prefix, key, taken) for key in founders["record_key"].tolist()]
    founders["id_first_run"] = run
    ids = pd.concat([survivors, founders[["cluster", "id", "id_first_run"]]], ignore_index=True)

    member_rows = current.merge(ids, on="cluster")[["record_key", "id", "id_first_run"]]
    member_rows["kind"] = "member"

    # Retired ids: earlier ones plus this run's, each pointing to today's surviving id.
    retired_now = pd.concat([
        retired.rename(columns={"id": "points_to"})[["retired_id", "points_to"]],
        newly_retired.rename(columns={"id": "retired_id", "survivor": "points_to"})[["retired_id", "points_to"]],
    ], ignore_index=True)
    forward = dict(zip(newly_retired["id"], newly_retired["survivor"]))
    for _ in range(10):  # follow chains a -> b -> c (each step is one later merge)
        moved = retired_now["points_to"].map(forward)
        if moved.isna().all():
            break
        retired_now["points_to"] = moved.fillna(retired_now["points_to"])
    retired_now = retired_now.drop_duplicates("retired_id")
    first_run = ids.set_index("id")["id_first_run"]
    retired_rows = pd.DataFrame({
        "kind": "retired",
        "retired_id": retired_now["retired_id"],
        "id": retired_now["points_to"],
        "id_first_run": retired_now["points_to"].map(first_run),
    })
    out = pd.concat([member_rows, retired_rows], ignore_index=True)
    out["entity"] = entity
    out["run"] = run
    return out.reindex(columns=COLUMNS)


def model(dbt, session):
    dbt.config(materialized="table", schema="identity")
    previous = _previous_state(dbt, session)
    run = int(previous["run"].max()) + 1 if len(previous) else 1

    persons = dbt.ref("int_persons_clustered").project("record_key, cluster_key as cluster").df()
    households = (
        dbt.ref("int_households_clustered")
        # PKH rows get the id of the DTKS household they point to, not an id of their own
        .filter("source = 'dtks'")
        .project("record_key, household_key as cluster")
        .df()
    )
    out = pd.concat([
        assign("person", "P", persons, previous[previous["entity"] == "person"], run),
        assign("household", "H", households, previous[previous["entity"] == "household"], run),
    ], ignore_index=True)
    out["id_first_run"] = out["id_first_run"].astype("Int64")
    out["run"] = out["run"].astype("Int64")
    return out
