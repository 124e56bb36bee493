"""Privacy tiers: keyed pseudonyms, owner-only restricted folder, small-count suppression, and a
scan of everything a real run publishes for identity numbers and names."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pyarrow.parquet as pq
import pytest
from helpers import file_mode

from dagster_project.publishing import privacy
from dagster_project.publishing.release import build_release

NIK = "3509014107800003"


@pytest.fixture
def key_file(tmp_path, monkeypatch) -> Path:
    """Point the key file at a fresh place outside the repository; no key in the environment."""
    path = tmp_path / "home" / ".config" / "jember" / "pseudonym.key"
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(path))
    return path


def test_key_file_is_created_on_first_use_owner_only(key_file):
    assert not key_file.exists()
    key = privacy.load_key()
    assert key_file.exists()
    assert file_mode(key_file) == 0o600
    assert file_mode(key_file.parent) == 0o700
    assert privacy.load_key() == key, "the second use reads the same key"


def test_a_key_file_readable_by_others_is_refused(key_file):
    privacy.load_key()
    key_file.chmod(0o644)
    with pytest.raises(privacy.PrivacyError, match="readable by others"):
        privacy.load_key()


def test_a_key_file_inside_the_repository_is_refused(monkeypatch):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(privacy.PROJECT_ROOT / "pseudonym.key"))
    with pytest.raises(privacy.PrivacyError, match="outside the repository"):
        privacy.load_key()
    assert not (privacy.PROJECT_ROOT / "pseudonym.key").exists()


def test_key_from_the_environment_wins_over_the_key_file(key_file, monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, "k" * 40)
    assert privacy.load_key() == b"k" * 40
    assert not key_file.exists(), "no key file is created when the environment has the key"


def test_pseudonym_is_not_a_plain_hash_of_the_nik(key_file):
    pid = privacy.pseudonym(NIK, privacy.load_key())
    assert re.fullmatch(r"P[a-z2-7]{13}", pid)
    for digest in (hashlib.sha256(NIK.encode()).digest(), hashlib.md5(NIK.encode()).digest()):
        plain = {
            digest.hex(),
            base64.b32encode(digest).decode().lower(),
            base64.b64encode(digest).decode(),
        }
        assert not any(pid[1:] in p for p in plain), "a plain hash of the NIK is enumerable"


def test_same_key_gives_same_ids_and_another_key_gives_other_ids():
    key_a, key_b = b"a" * 32, b"b" * 32
    niks = [NIK, "3509014107800004", "3509010101700001"]
    ids_a = [privacy.pseudonym(n, key_a) for n in niks]
    assert ids_a == [privacy.pseudonym(n, key_a) for n in niks]
    assert len(set(ids_a)) == 3, "NIKs one digit apart get unrelated ids"
    assert not set(ids_a) & {privacy.pseudonym(n, key_b) for n in niks}
    assert privacy.pseudonym(None, key_a) is None and privacy.pseudonym(" ", key_a) is None


def test_pseudonym_function_in_duckdb_matches_python():
    """The SQL function pseudonymises a vector at a time (privacy.pseudonyms): each value gets
    exactly `pseudonym`'s id, blanks and NULLs none, across DuckDB's vectors of 2,048 rows."""
    key = b"z" * 32
    con = duckdb.connect()
    privacy.register_pseudonym_function(con, key)
    got = con.execute("select jember_pseudonym(?), jember_pseudonym(null)", [NIK]).fetchone()
    assert got == (privacy.pseudonym(NIK, key), None)
    values = [NIK, None, "", "  ", f" {NIK} ", "3509 0141 0780 0004", "Ñ名'&<"] + [
        f"35090{n:011d}" for n in range(5000)
    ]
    rows = con.execute(
        "select v, jember_pseudonym(v) from unnest(?::varchar[]) with ordinality as t(v, i) "
        "order by i",
        [values],
    ).fetchall()
    assert rows == [(v, privacy.pseudonym(v, key)) for v in values]
    assert privacy.pseudonyms(values, key) == [privacy.pseudonym(v, key) for v in values]


def test_restricted_dir_is_created_owner_only_and_tightens_files(tmp_path):
    paths = SimpleNamespace(data=tmp_path / "data")
    folder = privacy.restricted_dir(paths)
    assert folder == tmp_path / "data" / "restricted"
    assert file_mode(folder) == 0o700
    # Another engineer's code writes with the default umask...
    written = folder / "person_xref.parquet"
    written.write_bytes(b"x")
    written.chmod(0o644)
    folder.chmod(0o755)
    # ...and the next call closes both again.
    assert privacy.restricted_dir(paths) == folder
    assert file_mode(folder) == 0o700
    assert file_mode(written) == 0o600


def test_counts_below_the_threshold_are_suppressed_and_zero_is_kept():
    con = duckdb.connect()
    con.execute("create table t as select * from (values (0, 1), (1, 4), (4, 5), (5, 100)) v(a, b)")
    suppressed = privacy.suppress_small_counts(con, "t", ["a", "b"], threshold=5)
    assert suppressed == {"a": 2, "b": 2}
    assert con.execute("select a, b from t order by all").fetchall() == [
        (0, None),
        (5, 100),
        (None, 5),
        (None, None),
    ]


def test_threshold_comes_from_configuration(tmp_path):
    assert privacy.small_count_threshold() == 5, "config/privacy.yml says 5"
    config = tmp_path / "privacy.yml"
    config.write_text("small_count_threshold: 11\n")
    assert privacy.small_count_threshold(privacy.load_privacy_config(config)) == 11
    assert privacy.small_count_threshold({}) == privacy.DEFAULT_SMALL_COUNT_THRESHOLD


def _manifest(columns: dict[str, dict]) -> dict:
    """The part of dbt's manifest that publishing reads: one marts model and its column meta."""
    return {
        "nodes": {
            "model.jember.mart_rt": {
                "resource_type": "model",
                "name": "mart_rt",
                "alias": "mart_rt",
                "schema": "marts",
                "columns": {name: {"name": name, "meta": meta} for name, meta in columns.items()},
            }
        }
    }


def _warehouse_with_mart(tmp_path: Path, sql: str) -> Path:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute(sql)
    return warehouse


def test_publishing_pseudonymises_and_suppresses_columns_marked_in_dbt_meta(tmp_path, key_file):
    warehouse = _warehouse_with_mart(
        tmp_path,
        "create table marts.mart_rt as select * from (values "
        f"('{NIK}', '35.09.01.2001', 'RT 001', 3), ('3509010101700001', '35.09.01.2001', 'RT 002', 12)"
        ") v(person_nik, kode_desa, rt, anak_balita)",
    )
    rules = privacy.columns_with_privacy_meta(
        _manifest(
            {
                "person_nik": {"privacy": "pseudonymise"},
                "anak_balita": {"privacy": "small_count"},
                "rt": {},
            }
        )
    )
    assert rules == {"mart_rt": {"person_nik": "pseudonymise", "anak_balita": "small_count"}}
    release = build_release(
        warehouse, tmp_path / "releases", "r1", {}, rules, small_count_threshold=5
    )

    key = privacy.load_key()
    # 3 is below the threshold; 12 is hidden too (complementary): the two rows are the only ones
    # of their kecamatan, whose total would give the 3 back as total minus 12.
    expected = sorted(
        [(privacy.pseudonym(NIK, key), None), (privacy.pseudonym("3509010101700001", key), None)]
    )
    with duckdb.connect(str(release / "jember.duckdb"), read_only=True) as con:
        assert (
            sorted(con.execute("select person_nik, anak_balita from mart_rt").fetchall())
            == expected
        )
    parquet = pq.read_table(release / "mart_rt.parquet").to_pydict()
    assert sorted(zip(parquet["person_nik"], parquet["anak_balita"])) == expected
    assert NIK.encode() not in (release / "mart_rt.parquet").read_bytes()


def test_publishing_refuses_a_mart_that_carries_identity_numbers(tmp_path):
    warehouse = _warehouse_with_mart(
        tmp_path,
        f"create table marts.mart_rt as select '{NIK}' as nik, 3509014107800003 as nik_number",
    )
    with pytest.raises(privacy.PrivacyError, match="16-digit identity numbers"):
        build_release(warehouse, tmp_path / "releases", "r1", {})
    assert list((tmp_path / "releases").iterdir()) == [], "no release, not even a partial one"


def test_unknown_privacy_meta_is_an_error_not_silently_ignored():
    with pytest.raises(privacy.PrivacyError, match="unknown meta.privacy"):
        privacy.columns_with_privacy_meta(_manifest({"x": {"privacy": "hash"}}))


# ---------------------------------------------------------------------------------------------
# After a real run: nothing identifying in the analyst tier


def _normalised(name: str) -> str:
    return " ".join(re.sub(r"[^A-Z ]", " ", name.upper()).split())


def _analyst_tier_cells(published: Path):
    """(where, text) for every non-null cell of every table of the DuckDB file and every Parquet file."""
    with duckdb.connect(str(published / "jember.duckdb"), read_only=True) as con:
        for (table,) in con.execute("show tables").fetchall():
            columns = [c[0] for c in con.execute(f'describe "{table}"').fetchall()]
            for column in columns:
                for (value,) in con.execute(
                    f'select distinct "{column}"::varchar from "{table}"'
                ).fetchall():
                    if value is not None:
                        yield f"jember.duckdb:{table}.{column}", value
    for parquet in sorted(published.glob("*.parquet")):
        table = pq.read_table(parquet)
        for column in table.column_names:
            for value in set(table.column(column).to_pylist()):
                if value is not None:
                    yield f"{parquet.name}:{column}", str(value)
    yield "release.json", (published / "release.json").read_text()


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_analyst_tier_holds_no_identity_number_and_no_name_from_the_raw_files(tiny_run):
    assert tiny_run["result"].returncode == 0, tiny_run["result"].stdout[-3000:]
    data = tiny_run["data"]
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        raw_names = {
            _normalised(n)
            for (n,) in con.execute(
                "select nama from raw.dtks union select nama_pengurus from raw.pkh"
            ).fetchall()
            if n
        }
    # A one-word name (SITI) may also be part of a village's name: match those as whole cells
    # only; full names of two words or more anywhere inside a cell.
    raw_names.discard("")
    full_names = {n for n in raw_names if " " in n}
    assert len(full_names) > 200 and len(raw_names) > 500, (
        "the scan needs the raw names to mean anything"
    )
    sixteen_digits = re.compile(r"(?<![0-9.])[0-9]{16}(?![0-9])")  # not a decimal fraction
    # A Dagster run id (release.json) is a UUID; one whose first three groups came out all
    # digits (about once in a thousand runs) reads as 16 digits once its dashes are dropped.
    run_id = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    cells = hits = 0
    for where, text in _analyst_tier_cells(data / "published"):
        cells += 1
        assert not sixteen_digits.search(text), (where, text)
        if not _is_number(text):  # a NIK written with separators: 3509.0141.0780.0003
            joined = re.sub(r"(?<=[0-9])[ .-](?=[0-9])", "", run_id.sub("", text))
            assert not sixteen_digits.search(joined), (where, text)
        normal = _normalised(text)
        assert normal not in raw_names, (where, text)
        padded = f" {normal} "
        hits += (
            sum(1 for n in full_names if len(n) >= 8 and f" {n} " in padded)
            if len(normal) >= 8
            else 0
        )
    assert hits == 0
    assert cells > 1000


def test_data_docs_are_built_from_the_runs_results_and_show_no_row_values(tiny_run):
    data = tiny_run["data"]
    index = data / "reports" / "gx" / "index.html"
    assert index.exists(), "Great Expectations Data Docs under data/reports/gx/"
    verdict = json.loads((data / "quality" / "verdict.json").read_text())
    # One validation-result JSON per suite for the run that wrote the verdict.
    results = sorted((data / "quality" / "validations").glob(f"*/{verdict['run_id']}/*/*.json"))
    assert {p.parts[-4] for p in results} == {s["suite"] for s in verdict["suites"]}
    for path in results:
        result = json.loads(path.read_text())
        assert result["success"] == next(
            s["passed"] for s in verdict["suites"] if s["suite"] == result["suite_name"]
        )
        assert all(not r["result"].get("partial_unexpected_list") for r in result["results"])
    pages = list((data / "reports" / "gx").rglob("*.html"))
    assert len(pages) > len(results)
    sixteen_digits = re.compile(r"(?<![0-9.])[0-9]{16}(?![0-9])")  # not a decimal fraction
    for page in pages + results:
        assert not sixteen_digits.search(page.read_text()), page
