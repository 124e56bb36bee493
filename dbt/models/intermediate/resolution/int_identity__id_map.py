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

The work is SQL on the model's DuckDB session (a Python model only because it must read the
table it is about to replace); Python only salts the rare new id whose hash is taken.
"""

import hashlib

COLUMNS = (
    "entity varchar, kind varchar, record_key varchar, retired_id varchar, id varchar,"
    " id_first_run bigint, run bigint"
)


def _salted_id(prefix: str, founding_key: str, taken: set) -> str:
    salt = 1
    while True:
        candidate = prefix + hashlib.sha256(f"{founding_key}#{salt}".encode()).hexdigest()[:12]
        if candidate not in taken:
            taken.add(candidate)
            return candidate
        salt += 1


def model(dbt, session):
    dbt.config(materialized="table", schema="identity")
    # the state this model is about to replace (typed here: a map written by the earlier
    # pandas version has retired_id of type NULL); none on the first run
    session.execute(f"create or replace temp table id_map_previous ({COLUMNS})")
    exists = session.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
        [dbt.this.database, dbt.this.schema, dbt.this.identifier],
    ).fetchall()[0][0]
    if exists:
        session.execute(f"insert into id_map_previous by name select * from {dbt.this}")
    run = session.execute("select coalesce(max(run), 0) + 1 from id_map_previous").fetchall()[0][0]

    dbt.ref("int_persons_clustered").create_view("id_map_persons", replace=True)
    dbt.ref("int_households_clustered").create_view("id_map_households", replace=True)
    session.execute("""
        create or replace temp table id_map_current as
        select 'person' as entity, 'P' as prefix, record_key, cluster_key as cluster from id_map_persons
        union all
        -- PKH rows get the id of the DTKS household they point to, not an id of their own
        select 'household', 'H', record_key, household_key from id_map_households where source = 'dtks'
    """)
    # Each earlier id is claimed by the cluster holding most of its rows (then the smaller
    # cluster key); in a cluster claiming several, the oldest survives (first run, then more
    # rows, then the smaller id) and the others retire into it.
    session.execute("""
        create or replace temp table id_map_claims as
        with counts as (
            select current.entity, previous.id, current.cluster,
                count(*) as rows, min(previous.id_first_run) as id_first_run,
            from id_map_current as current
            inner join id_map_previous as previous
                on previous.kind = 'member' and previous.entity = current.entity
                and previous.record_key = current.record_key
            group by all
        ),
        claims as (
            select * from counts
            qualify row_number() over (partition by entity, id order by rows desc, cluster) = 1
        )
        select *,
            row_number() over (partition by entity, cluster order by id_first_run, rows desc, id) = 1
                as is_survivor,
        from claims
    """)
    # A cluster that claims no earlier id gets a new one: the hash of its founding row.
    session.execute("""
        create or replace temp table id_map_founders as
        with founders as (
            select entity, prefix, cluster, min(record_key) as founding_key,
            from id_map_current
            anti join (select entity, cluster from id_map_claims where is_survivor) using (entity, cluster)
            group by all
        ),
        taken as (
            select id from id_map_previous union select retired_id from id_map_previous
        ),
        hashed as (
            select *, prefix || left(sha256(founding_key), 12) as id from founders
        )
        select *,
            id in (select id from taken where id is not null)
                or row_number() over (partition by id order by entity, cluster) > 1 as is_clash,
        from hashed
    """)
    clashes = session.sql(
        "select entity, cluster, prefix, founding_key from id_map_founders where is_clash order by entity, cluster"
    ).fetchall()
    if clashes:
        taken = {
            row[0]
            for row in session.sql(
                "select id from id_map_previous union select retired_id from id_map_previous "
                "union select id from id_map_founders"
            ).fetchall()
            if row[0] is not None
        }
        for entity, cluster, prefix, founding_key in clashes:
            session.execute(
                "update id_map_founders set id = ? where entity = ? and cluster = ?",
                [_salted_id(prefix, founding_key, taken), entity, cluster],
            )

    session.execute(f"""
        create or replace temp table id_map_ids as
        select entity, cluster, id, id_first_run from id_map_claims where is_survivor
        union all
        select entity, cluster, id, {run} from id_map_founders
    """)
    # Returned as a DuckDB relation, not fetched (see int_persons_clustered): dbt-duckdb writes
    # it with this model's own cursor, whose temp tables and views go with it.
    return session.sql(f"""
        with newly_retired as (
            select claims.entity, claims.id as retired_id, survivors.id as points_to,
            from id_map_claims as claims
            inner join id_map_claims as survivors
                on survivors.entity = claims.entity and survivors.cluster = claims.cluster
                and survivors.is_survivor
            where not claims.is_survivor
        ),
        retired as (
            -- earlier pointers follow a merge of their target (one step: a survivor of this
            -- run never retires in it)
            select earlier.entity, earlier.retired_id,
                coalesce(moved.points_to, earlier.id) as points_to, 0 as source_order,
            from id_map_previous as earlier
            left join newly_retired as moved
                on moved.entity = earlier.entity and moved.retired_id = earlier.id
            where earlier.kind = 'retired'
            union all
            select entity, retired_id, points_to, 1 from newly_retired
        )
        select current.entity, 'member' as kind, current.record_key, null::varchar as retired_id,
            ids.id, ids.id_first_run::bigint as id_first_run, {run}::bigint as run,
        from id_map_current as current
        inner join id_map_ids as ids using (entity, cluster)
        union all
        select retired.entity, 'retired', null, retired.retired_id,
            retired.points_to, first_run.id_first_run, {run},
        from retired
        left join (select distinct entity, id, id_first_run from id_map_ids) as first_run
            on first_run.entity = retired.entity and first_run.id = retired.points_to
        qualify row_number() over (partition by retired.entity, retired.retired_id order by retired.source_order) = 1
    """)
