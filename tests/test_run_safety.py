"""Run safety, proven with real processes: one run at a time per data dir, paths that hold a
quote and a space, owner-only files from creation, and no stale lock after a SIGKILL.

The issue this answers: two `jember run` on one data dir, the second started 2 s after the
first with another delivery, made the first publish a release built from the second one's
delivery; a data dir named `data o'brien` failed with a SQL parser error; the warehouse holding
every NIK was created 0644.

Run A and the refused run B are conftest.two_runs (the publishing test reads run A too).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
from helpers import REPO, file_mode, parquet_hashes, read_until, start_jember

EXIT_LOCKED = 3


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}


def test_a_second_run_on_the_same_data_dir_is_refused_with_the_holders_details(two_runs):
    b = two_runs["b"]
    assert two_runs["a_running_when_b_ended"], "B must have been refused while A was still running"
    assert b.returncode == EXIT_LOCKED, b.stdout + b.stderr
    message = b.stdout
    print(message)
    assert "another jember run is using data dir" in message
    assert f"pid {two_runs['a'].pid}" in message
    assert f"raw dir {two_runs['raw_a'].resolve()}" in message
    assert "started 20" in message
    assert "exit 3" in message
    assert "Traceback" not in b.stdout + b.stderr


def test_the_first_run_publishes_its_own_delivery_from_paths_with_a_quote_and_a_space(
    two_runs, tiny_run
):
    a = two_runs["a"]
    assert a.returncode == 0, two_runs["a_out"][-4000:]
    published = two_runs["data"] / "published"
    # The same delivery run alone (the session's tiny run) publishes byte-identical Parquet
    # files: nothing of B's delivery reached A's release.
    assert tiny_run["result"].returncode == 0, tiny_run["result"].stdout[-3000:]
    alone = parquet_hashes(tiny_run["data"] / "published")
    assert alone and parquet_hashes(published) == alone
    with duckdb.connect(str(two_runs["data"] / "warehouse.duckdb"), read_only=True) as con:
        files = {
            r[0]
            for r in con.execute("select distinct source_path from raw.ingest_files").fetchall()
        }
        pkh_rows = con.execute("select count(*) from raw.pkh").fetchone()[0]
    with duckdb.connect(str(tiny_run["data"] / "warehouse.duckdb"), read_only=True) as con:
        assert pkh_rows == con.execute("select count(*) from raw.pkh").fetchone()[0]
    delivered_a = {
        p.relative_to(two_runs["raw_a"]).as_posix()
        for p in two_runs["raw_a"].rglob("*")
        if p.is_file()
    }
    assert files and files <= delivered_a, files - delivered_a
    print(f"A published its own delivery: {len(files)} files, {pkh_rows} PKH rows")
    # The restricted tier was written under the quoted path too.
    assert (two_runs["data"] / "restricted" / "person_xref.parquet").exists()
    assert (two_runs["data"] / "restricted" / "rejected_rows.parquet").exists()


def test_working_logs_and_restricted_files_are_owner_only_and_the_release_stays_readable(two_runs):
    data = two_runs["data"]
    assert file_mode(data / "warehouse.duckdb") == 0o600
    assert file_mode(data / "logs") == 0o700
    logs = list((data / "logs").iterdir())
    assert logs and all(file_mode(p) == 0o600 for p in logs)
    assert file_mode(data / "quality") == 0o700
    restricted = [data / "restricted", *(data / "restricted").rglob("*")]
    assert len(restricted) > 3
    wrong = {
        str(p): oct(file_mode(p))
        for p in restricted
        if file_mode(p) != (0o700 if p.is_dir() else 0o600)
    }
    assert not wrong
    # Analysts still read the release and the report, as before.
    release = (data / "published").resolve()
    assert file_mode(data / "releases") == 0o755 and file_mode(release) == 0o755
    assert all(file_mode(p) == 0o644 for p in release.iterdir())
    assert file_mode(data / "reports") == 0o755
    assert all(file_mode(p) == 0o644 for p in (data / "reports").glob("laporan-*"))


def test_a_killed_run_leaves_owner_only_files_and_no_stale_lock(tiny_generated, tmp_path):
    """Killed with SIGKILL during dbt: what it created is already owner-only (no chmod at the
    end could have fixed it), and the next run starts at once: the kernel dropped the lock."""
    data = tmp_path / "data"
    run = start_jember("run", "--raw-dir", str(tiny_generated / "raw"), "--data-dir", str(data))
    lines: list[str] = []
    try:
        read_until(run, "dbt started", lines)
        time.sleep(5)
        created = {
            p.name: file_mode(p)
            for p in [
                data / "warehouse.duckdb",
                data / "warehouse.duckdb.wal",
                data / "warehouse.duckdb.tmp",
                data / "logs",
                *(data / "logs").glob("*"),
            ]
            if p.exists()
        }
        assert run.poll() is None, "\n".join(lines)
        os.killpg(run.pid, signal.SIGKILL)
    finally:
        run.wait(timeout=60)
        run.stdout.close()
    assert run.returncode == -signal.SIGKILL
    print(f"modes while running: { {k: oct(v) for k, v in created.items()} }")
    assert created["warehouse.duckdb"] == 0o600 and created["logs"] == 0o700
    assert all(mode in (0o600, 0o700) for mode in created.values()), created
    assert (data / ".jember-run.lock").exists(), "the file stays; only the kernel's lock is gone"

    # The next run takes the lock at once: it says `jember run: raw=` only once it holds it
    # (a refused run says REFUSED and exits 3). It is stopped there: that the next run then
    # recovers from what a killed run left is test_publishing_safety's (killed during dbt).
    again = start_jember("run", "--raw-dir", str(tiny_generated / "raw"), "--data-dir", str(data))
    again_lines: list[str] = []
    try:
        read_until(again, "jember run: raw=", again_lines, timeout=120)
    finally:
        if again.poll() is None:
            os.killpg(again.pid, signal.SIGKILL)
        again.wait(timeout=60)
        again.stdout.close()
    assert not any("REFUSED" in line for line in again_lines), "\n".join(again_lines)


def test_a_run_started_by_dagster_respects_the_lock_and_a_killed_holder_frees_it(tmp_path):
    """Runs from the UI or the sensor take the lock through PipelinePaths, not the CLI."""
    data, raw = tmp_path / "data", REPO / "raw"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import time
            from pathlib import Path
            from dagster_project.resources import begin_run
            begin_run(Path({str(data)!r}), Path({str(raw)!r}))
            print("holding", flush=True)
            time.sleep(600)
        """),
        ],
        cwd=REPO,
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        dagster_run = subprocess.run(
            [
                sys.executable,
                "-c",
                textwrap.dedent("""
                from dagster_project.definitions import defs
                result = defs.resolve_job_def("jember_latest").execute_in_process(raise_on_error=False)
                print("success" if result.success else "failed")
                for event in result.all_events:
                    if event.is_failure:
                        print(event.message)
            """),
            ],
            cwd=REPO,
            env={**_env(), "JEMBER_RAW_DIR": str(raw), "JEMBER_DATA_DIR": str(data)},
            capture_output=True,
            text=True,
            timeout=600,
        )
        print(dagster_run.stdout[-2000:])
        assert "another jember run is using data dir" in dagster_run.stdout + dagster_run.stderr
        assert f"pid {holder.pid}" in dagster_run.stdout + dagster_run.stderr
        assert not (data / "warehouse.duckdb").exists(), "the refused run wrote nothing"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        holder.stdout.close()
    # The holder died without releasing anything: the lock is free at once.
    taken = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            from pathlib import Path
            from dagster_project.resources import begin_run
            begin_run(Path({str(data)!r}), Path({str(raw)!r}))
            print("acquired")
        """),
        ],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert taken.stdout.strip() == "acquired", taken.stderr
