"""Synthetic raw files for the Jember pipeline, with ground truth.

    from jember_dev.generator import generate
    summary = generate(out_dir, scale="tiny", seed=1)   # tiny | small | jember | province

Writes ``out_dir/raw/{dtks,pkh,bps,koperasi}/...`` per docs/raw-contract.md and
``out_dir/truth/*.parquet`` (see the README written there). Same seed, same bytes.
"""

from .core import SCALES, generate

__all__ = ["SCALES", "generate"]
