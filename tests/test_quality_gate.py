"""The delivery-level sanity check, with the real pipeline (Dagster, dbt, GX, DuckDB)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from conftest import REPO, copy_tree, run_jember


def _published_snapshot(data: Path) -> dict[str, str]:
    published = data / "published"
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(published.resolve().iterdir())
    } | {"->": os.readlink(published)}


def test_a_new_file_repeating_loaded_rows_blocks_but_a_byte_identical_repeat_does_not(tmp_path):
    raw = copy_tree(REPO / "raw", tmp_path / "raw")
    data = tmp_path / "data"
    # The sample already holds a byte-identical repeat delivery (pkh/2025/kirim_ulang): it publishes.
    first = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    before = _published_snapshot(data)

    # The same records under a new name, not the same bytes (a title line above the header).
    original = (raw / "dtks" / "2025-04" / "dtks_kencong.csv").read_bytes()
    again = raw / "dtks" / "2025-11" / "dtks_kencong_kirim_lagi.csv"
    again.parent.mkdir(parents=True)
    again.write_bytes(b"DATA DTKS KECAMATAN KENCONG\n" + original)

    second = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert second.returncode == 2, second.stdout[-4000:] + second.stderr[-4000:]
    assert "int_delivery_sanity" in second.stdout and "repeated_row_share" in second.stdout
    assert _published_snapshot(data) == before
