"""Every entry point works from a fresh clone, as a new user meets it (issue 14).

- The definitions load the way the webserver loads them, with no .venv/bin on PATH (the
  code location failed with "dbt executable 'dbt' was not found on PATH" under `make dev`).
- `dagster job execute -m dagster_project.definitions -j jember_latest` needs no JEMBER_*
  variable and no partition, publishes the month the data describes, and leaves the meeting
  report (no sensor daemon runs there).
- `jember run`'s console: each stage once, dbt's progress, no third-party banner;
  `--help` shows defaults and exit codes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import REPO, copy_tree

VENV_BIN = Path(sys.executable).parent
# What a fresh shell has: no .venv/bin, no JEMBER_* or DAGSTER_HOME.
BARE_PATH = "/usr/local/bin:/usr/bin:/bin"


def _bare_env(**extra: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JEMBER_", "DAGSTER_")) and k not in ("PATH", "VIRTUAL_ENV")
    }
    return {**env, "PATH": BARE_PATH, **extra}


def test_definitions_load_like_the_webserver_without_venv_on_path_and_reparse_a_stale_manifest(
    tmp_path,
):
    # A copy of the project, loaded from its own folder (the working directory comes first on
    # sys.path): its manifest made stale and parsed again there. The project's own dbt/target
    # is read by the runs of the other pytest-xdist worker meanwhile; a stale manifest there
    # would make them parse into it at the same time.
    project = tmp_path / "project"
    for part in ("dagster_project", "dbt", "expectations", "config"):
        shutil.copytree(REPO / part, project / part, ignore=shutil.ignore_patterns("logs"))
    manifest = project / "dbt" / "target" / "manifest.json"
    os.utime(manifest, (0, 0))  # older than every dbt file: loading must parse again
    assert "dbt" not in {p.name for d in BARE_PATH.split(":") for p in Path(d).glob("dbt")}
    (tmp_path / "home").mkdir()
    validate = subprocess.run(
        [str(VENV_BIN / "dagster"), "definitions", "validate", "-m", "dagster_project.definitions"],
        cwd=project,
        # DAGSTER_IS_DEV_CLI: what `dagster dev` sets for its code server (it made
        # dagster-dbt's prepare_if_dev call `dbt` on PATH)
        env=_bare_env(DAGSTER_IS_DEV_CLI="1", DAGSTER_HOME=str(tmp_path / "home")),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert validate.returncode == 0, validate.stdout[-3000:] + validate.stderr[-3000:]
    assert "not found on PATH" not in validate.stdout + validate.stderr
    assert manifest.stat().st_mtime > time.time() - 900, "the stale manifest was parsed again"

    shown = subprocess.run(
        [
            str(VENV_BIN / "python"),
            "-c",
            textwrap.dedent("""
            import json
            import dagster_project
            from dagster_project.definitions import defs
            repo = defs.get_repository_def()
            graph = defs.resolve_asset_graph()
            print(json.dumps({
                "loaded_from": dagster_project.__file__,
                "assets": len(graph.get_all_asset_keys()),
                "checks": len(graph.asset_check_keys),
                "sensors": sorted(s.name for s in repo.sensor_defs),
                "schedules": {s.name: str(s.default_status) for s in repo.schedule_defs},
                "jobs": sorted(j.name for j in repo.get_all_jobs()),
                "without_owner": [k.to_user_string() for k in graph.get_all_asset_keys() if not graph.get(k).owners],
                "without_description": [
                    k.to_user_string()
                    for k in graph.get_all_asset_keys()
                    if not graph.get(k).description
                ],
            }))
        """),
        ],
        cwd=project,
        env=_bare_env(DAGSTER_IS_DEV_CLI="1"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert shown.returncode == 0, shown.stderr[-3000:]
    loaded = json.loads(shown.stdout.strip().splitlines()[-1])
    assert Path(loaded["loaded_from"]).is_relative_to(project)
    assert loaded["assets"] > 50 and loaded["checks"] > 100
    assert {"raw_files_sensor", "report_after_other_run", "report_after_other_failed_run"} <= set(
        loaded["sensors"]
    )
    assert loaded["schedules"] == {"monthly_run": "DefaultScheduleStatus.STOPPED"}
    assert {"jember_pipeline", "jember_latest", "jember_report"} <= set(loaded["jobs"])
    assert loaded["without_owner"] == [] and loaded["without_description"] == []


@pytest.mark.whole_pipeline
def test_dagster_job_execute_needs_no_variable_publishes_and_leaves_a_report(tmp_path):
    raw = copy_tree(REPO / "raw", tmp_path / "raw")
    data = tmp_path / "data"
    # The launchpad's route: run config, not the environment. With neither, the paths are the
    # project's raw/ and data/ (test_default_paths_are_the_projects_raw_and_data).
    config = tmp_path / "run.yaml"
    config.write_text(
        json.dumps(
            {"resources": {"paths": {"config": {"raw_dir": str(raw), "data_dir": str(data)}}}}
        )
    )
    started = time.time()
    run = subprocess.run(
        [
            str(VENV_BIN / "dagster"),
            "job",
            "execute",
            "-m",
            "dagster_project.definitions",
            "-j",
            "jember_latest",
            "-c",
            str(config),
        ],
        cwd=tmp_path,
        env=_bare_env(),
        capture_output=True,
        text=True,
        timeout=1500,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-5000:]
    assert "is not set" not in output
    assert (data / "published" / "jember.duckdb").exists()
    reports = list((data / "reports").glob("laporan-*.html"))
    assert reports, "no meeting report after a dagster job execute run:\n" + output[-3000:]
    # the month the data describes (the sample's latest DTKS update), through its partition
    assert [p.name for p in reports] == ["laporan-2025-12.html"]
    assert all(p.stat().st_mtime >= started for p in reports)
    # published: the report names the release it describes
    release = (data / "published").resolve().name
    assert release in reports[0].read_text()


def test_default_paths_are_the_projects_raw_and_data(tmp_path):
    """No config, no JEMBER_RAW_DIR/JEMBER_DATA_DIR: raw/ and data/ beside dagster_project/,
    the folders the Makefile uses, whatever the working directory."""
    shown = subprocess.run(
        [
            str(VENV_BIN / "python"),
            "-c",
            "from dagster_project.definitions import defs; "
            "p = defs.resources['paths']; print(p.raw); print(p.data)",
        ],
        cwd=tmp_path,
        env=_bare_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert shown.stdout.split() == [str(REPO / "raw"), str(REPO / "data")]
    overridden = subprocess.run(
        [
            str(VENV_BIN / "python"),
            "-c",
            "from dagster_project.definitions import defs; print(defs.resources['paths'].data)",
        ],
        cwd=tmp_path,
        env=_bare_env(JEMBER_DATA_DIR="elsewhere"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert overridden.stdout.strip() == str(tmp_path / "elsewhere")


def test_console_prints_each_stage_once_dbt_progress_and_no_third_party_lines(tiny_run):
    result = tiny_run["result"]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    lines = result.stdout.splitlines()
    stage_lines = [re.match(r"\[\s*[0-9.]+s\] (\S+)\s+(.*)", line) for line in lines]
    starts = [m.group(1) for m in stage_lines if m and m.group(2) == "started"]
    assert sorted(starts) == sorted(
        ["ingest", "dbt", "checks", "restricted", "verifikasi", "publish"]
    ), f"each stage starts once: {starts}"
    progress = [
        m.group(2)
        for m in stage_lines
        if m and m.group(1) == "dbt" and m.group(2).startswith("dbt ")
    ]
    counts = [tuple(map(int, re.match(r"dbt (\d+)/(\d+) models", p).groups())) for p in progress]
    assert counts, "no dbt progress line"
    done, total = counts[-1]
    assert done == total and total > 40
    assert [c[0] for c in counts] == sorted(c[0] for c in counts)
    # Only our lines: stage lines, the header, the summary. No Dagster instance warning,
    # telemetry banner, dbt log line or Python warning.
    ours = re.compile(r"^(\[\s*[0-9.]+s\] |jember run: |full log |summary$|  |result: |$)")
    foreign = [line for line in lines if not ours.match(line)]
    assert foreign == [], foreign
    text = result.stdout + result.stderr
    for banner in (
        "DagsterInstance",
        "telemetry",
        "Telemetry",
        "Warning:",
        "dagster - DEBUG",
        "dagster - INFO",
    ):
        assert banner not in text, banner
    assert "report " in result.stdout


def test_run_help_lists_defaults_and_exit_codes():
    shown = subprocess.run(
        [str(VENV_BIN / "jember"), "run", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env=_bare_env(),
    )
    assert shown.returncode == 0
    text = shown.stdout
    assert "(default: raw)" in text and "(default: data)" in text
    for code, meaning in (("0", "published"), ("2", "blocked"), ("3", "refused"), ("1", "error")):
        assert re.search(rf"^\s+{code}\s+{meaning}", text, re.M), (
            f"exit code {code} missing:\n{text}"
        )
    # the codes the help names are the codes the CLI returns
    from dagster_project import cli

    assert (cli.EXIT_PUBLISHED, cli.EXIT_BLOCKED, cli.EXIT_LOCKED, cli.EXIT_ERROR) == (0, 2, 3, 1)


def test_configuration_is_read_when_a_run_uses_it_not_at_import(tmp_path):
    """Issue 16: importing the definitions reads no JEMBER_* variable and sets none."""
    shown = subprocess.run(
        [
            str(VENV_BIN / "python"),
            "-c",
            textwrap.dedent("""
            import os
            from dagster_project.definitions import defs
            print(repr(defs.resources["paths"].data_dir))
            print(sorted(k for k in os.environ if k.startswith("JEMBER_")))
        """),
        ],
        cwd=tmp_path,
        env=_bare_env(JEMBER_PERIOD="1999-99"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert shown.stdout.split("\n")[:2] == ["''", "['JEMBER_PERIOD']"]


def test_a_refused_run_is_refused_before_dagster_is_imported(tmp_path):
    """Exit 3 (data dir locked) costs a fraction of a second: the lock is tried before the
    heavy imports (Dagster, dbt), which `-X importtime` would list."""
    from dagster_project.runstate import begin_run, end_run

    data = tmp_path / "data"
    begin_run(
        data, REPO / "raw"
    )  # this process holds the data dir, as a running `jember run` would
    try:
        refused = subprocess.run(
            [
                str(VENV_BIN / "python"),
                "-X",
                "importtime",
                "-m",
                "dagster_project.cli",
                "run",
                "--raw-dir",
                str(REPO / "raw"),
                "--data-dir",
                str(data),
            ],
            cwd=tmp_path,
            env=_bare_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        end_run(data)
    assert refused.returncode == 3, refused.stdout + refused.stderr[-2000:]
    assert "another jember run is using data dir" in refused.stdout
    imported = {
        line.split("|")[-1].strip()
        for line in refused.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "dagster_project.runstate" in imported
    assert not {"dagster", "dagster_dbt", "dbt", "duckdb", "great_expectations"} & imported, sorted(
        imported
    )[:50]


def test_dbt_tables_carry_row_counts_and_column_schemas_and_the_gate_still_reads_the_warehouse(
    tmp_path,
):
    """Counted after dbt's process ended, on a read-only connection closed before the gate
    opens its own (dagster-dbt's fetch_row_counts blocked progress and broke the gate)."""
    import dagster as dg
    import duckdb
    from helpers import FAST_TIER

    from dagster_project.pipeline import run_pipeline

    if os.environ.get(FAST_TIER):
        import pytest

        pytest.skip("runs the whole pipeline: full tier only (make test)")
    result = run_pipeline(copy_tree(REPO / "raw", tmp_path / "raw"), tmp_path / "data")
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    observed = {
        e.asset_key.to_user_string(): e.event_specific_data.asset_observation.metadata
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_OBSERVATION
    }
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("select count(*) from marts.mart_desa").fetchone()[0]
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = 'mart_desa' order by ordinal_position"
            ).fetchall()
        ]
    assert observed["marts/mart_desa"]["dagster/row_count"].value == rows > 0
    assert [
        c.name for c in observed["marts/mart_desa"]["dagster/column_schema"].value.columns
    ] == columns
    dbt_tables = [
        k for k in observed if k.split("/")[0] in ("staging", "intermediate", "marts", "identity")
    ]
    assert len(dbt_tables) > 30
    # the gate ran after dbt and passed on the same warehouse
    checks = [
        e
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        and e.event_specific_data.check_name.startswith("gx_")
    ]
    assert checks and all(
        e.event_specific_data.passed
        for e in checks
        if e.event_specific_data.severity == dg.AssetCheckSeverity.ERROR
    )
    assert (tmp_path / "data" / "published" / "jember.duckdb").exists()


def test_the_stage_list_names_every_step_of_the_jobs() -> None:
    """pipeline.STAGE_OF_STEP is the one list of a run's steps (progress lines, exit code,
    benchmark): it must name exactly the ops of the pipeline and report jobs, or a renamed asset
    would drop out of the progress and the gate's exit code silently."""
    from dagster_project.definitions import defs
    from dagster_project.pipeline import STAGE_OF_STEP

    steps = {
        node.name
        for job in ("jember_pipeline", "jember_latest", "jember_report")
        for node in defs.resolve_job_def(job).graph.nodes
    }
    assert set(STAGE_OF_STEP) == steps
