"""Complementary small-count suppression, attacked: after a real run over the tiny delivery, try
to compute every hidden cell of the published mart_desa back from the published aggregates
(village cells summing to the kecamatan and kabupaten totals, and the columns that sum within a
row), with linear algebra. A hidden cell is derivable when its unit vector lies in the row space
of the equations restricted to the hidden cells, i.e. when it is zero on every null-space
vector; the test fails if any is.

The relations attacked are written here, independently of dagster_project/publishing/privacy.py."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from dagster_project.publishing import privacy

DESIL = [f"dtks_families_desil_{d}" for d in range(1, 11)] + ["dtks_families_desil_unknown"]
# sum(left) = sum(right) within one village row
ROW_RELATIONS = [
    (["dtks_families"], DESIL),
    (["dtks_families_desil_1_2"], DESIL[:2]),
    (["dtks_families_desil_1_4"], DESIL[:4]),
]


def _frame(con, sql):
    return con.execute(sql).df()


@pytest.fixture(scope="module")
def published(tiny_run):
    assert tiny_run["result"].returncode == 0, tiny_run["result"].stdout[-4000:]
    return tiny_run["data"] / "published" / "jember.duckdb", tiny_run["data"] / "warehouse.duckdb"


def test_every_hidden_cell_is_marked_and_nothing_else_changed(published):
    path, warehouse = published
    threshold = privacy.small_count_threshold()
    with duckdb.connect(str(path), read_only=True) as con:
        pub = _frame(con, "select * from mart_desa order by kode_desa")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        true = _frame(con, "select * from marts.mart_desa order by kode_desa")
    small = [
        c
        for c in pub.columns
        if c.startswith(("dtks_families_desil", "pkh_komponen", "pkh_families_desil"))
        or c
        in (
            "inclusion_candidates",
            "exclusion_candidates",
            "duplicate_aid_cases",
            "deceased_recipients",
            "component_mismatches",
        )
    ]
    primary = hidden_total = 0
    for i in range(len(pub)):
        marked = set((pub[privacy.SUPPRESSED_COLUMNS].fillna("").at[i]).split(",")) - {""}
        for c in small:
            if c in marked:
                hidden_total += 1
                assert pd_isna(pub.at[i, c]), (pub.at[i, "kode_desa"], c)
            else:
                # never a published small count, and otherwise the warehouse value
                assert not (1 <= true.at[i, c] < threshold), (pub.at[i, "kode_desa"], c)
                assert pub.at[i, c] == true.at[i, c], (pub.at[i, "kode_desa"], c)
            primary += bool(1 <= true.at[i, c] < threshold)
    assert primary > 50, "the tiny delivery has small cells to hide"
    assert hidden_total > primary, "complementary cells are hidden beyond the small ones"


def pd_isna(value) -> bool:
    return bool(pd.isna(value))


def _derivable(desa, kecamatan, kabupaten, columns) -> tuple[list, int]:
    """Hidden (NULL) cells of `columns` in `desa` that the published totals determine; and how
    many hidden cells there were."""
    unknown = {}  # (row, column) -> index of the unknown
    for c in columns:
        for i in desa.index[desa[c].isna()]:
            unknown[(i, c)] = len(unknown)
    equations: list[np.ndarray] = []

    def add(cells):
        vector = np.zeros(len(unknown))
        for cell, coefficient in cells:
            if cell in unknown:
                vector[unknown[cell]] += coefficient
        if vector.any():
            equations.append(vector)

    # village cells add up to the published kecamatan and kabupaten totals
    for c in columns:
        for kode, group in desa.groupby("kode_kecamatan"):
            assert not np.isnan(kecamatan.at[kode, c])
            add([((i, c), 1) for i in group.index])
        add([((i, c), 1) for i in desa.index])
        assert not np.isnan(kabupaten[c])
    # columns that sum within a village row (dtks_families itself is always published)
    for i in desa.index:
        for left, right in ROW_RELATIONS:
            add([((i, c), 1) for c in left] + [((i, c), -1) for c in right])
    if not equations:
        return [], len(unknown)
    _, singular, vt = np.linalg.svd(np.array(equations), full_matrices=True)
    rank = int((singular > 1e-9).sum())
    null_space = vt[rank:].T  # unknowns x free directions
    derivable = [cell for cell, j in unknown.items() if np.abs(null_space[j]).max(initial=0) < 1e-9]
    return [(desa.at[i, "kode_desa"], c) for i, c in derivable], len(unknown)


def test_no_hidden_cell_can_be_computed_from_published_marts(published):
    path, warehouse = published
    with duckdb.connect(str(path), read_only=True) as con:
        desa = _frame(con, "select * from mart_desa order by kode_desa")
        kecamatan = _frame(con, "select * from mart_kecamatan").set_index("kode_kecamatan")
        kabupaten = _frame(con, "select * from mart_kabupaten").iloc[0]
        history = _frame(
            con,
            "select h.* from mart_desa_history h join mart_desa m using (kode_desa, period) "
            "order by kode_desa",
        )
    marked = {c for row in desa[privacy.SUPPRESSED_COLUMNS].dropna() for c in row.split(",")}
    columns = [
        c
        for c in desa.columns
        if c in marked and c in kecamatan.columns and c not in privacy.RATIO_OF
    ]
    assert "deceased_recipients" in columns

    derivable, hidden = _derivable(desa, kecamatan, kabupaten, columns)
    assert hidden > 100
    assert derivable == [], derivable[:20]

    # a published share of a hidden count would give it back
    for ratio, (numerator, denominator) in privacy.RATIO_OF.items():
        hides = desa[numerator].isna() | desa[denominator].isna()
        assert desa.loc[hides, ratio].isna().all(), ratio

    # this period's history rows hide exactly the same cells, so neither table gives the other away
    assert list(history[privacy.SUPPRESSED_COLUMNS].fillna("")) == list(
        desa[privacy.SUPPRESSED_COLUMNS].fillna("")
    )

    # The attack works: on per-cell suppression alone (the old rule) it finds hidden cells.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        true = _frame(con, "select * from marts.mart_desa order by kode_desa")
    threshold = privacy.small_count_threshold()
    for c in columns:
        true[c] = true[c].astype("float64").where(~((true[c] >= 1) & (true[c] < threshold)))
    naive, _ = _derivable(true, kecamatan, kabupaten, columns)
    assert len(naive) > 10
    assert any(c == "deceased_recipients" for _, c in naive)


def test_no_unit_record_in_the_analyst_tier_names_its_village(published):
    """One row per household or family with its village would give back every hidden village
    cell by counting rows (deceased_recipients = the village's households flagged
    is_deceased_recipient), so unit records are published with their kecamatan only."""
    path, warehouse = published
    with duckdb.connect(str(path), read_only=True) as con:
        columns = _frame(con, "select table_name, column_name from information_schema.columns")
        by_table = columns.groupby("table_name")["column_name"].apply(set)
        unit_records = [t for t, cols in by_table.items() if cols & {"household_id", "id_pkh"}]
        assert {"mart_household", "mart_pkh_family", "mart_household_history"} <= set(unit_records)
        for table in unit_records:
            assert "kode_desa" not in by_table[table], table
            assert "kode_kecamatan" in by_table[table], table
        # what the unit records still give is the published kecamatan total, nothing finer
        counted = _frame(
            con,
            "select kode_kecamatan, count(*) filter (where is_deceased_recipient) as n "
            "from mart_household group by all order by all",
        ).set_index("kode_kecamatan")["n"]
        kecamatan = _frame(
            con, "select kode_kecamatan, deceased_recipients from mart_kecamatan order by all"
        ).set_index("kode_kecamatan")["deceased_recipients"]
    assert counted.reindex(kecamatan.index, fill_value=0).tolist() == kecamatan.tolist()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert "kode_desa" in set(_frame(con, "describe marts.mart_household")["column_name"]), (
            "the warehouse keeps the village for the marts built on it"
        )
