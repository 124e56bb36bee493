"""The benchmark's sampler (dev/jember_dev/benchmark.py), which every figure in
docs/benchmarks.md stands on: it must count the CPU a child process spends and the memory it
holds, since dbt and the workbook writers run as children of the pipeline's process."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from jember_dev.benchmark import ResourceSampler

# ~0.6 s of one core's arithmetic, then ~0.3 s asleep holding 200 MB, in a child process
CHILD = """
import time
end = time.process_time() + 0.6
while time.process_time() < end:
    pass
held = b"x" * (200 * 2**20)  # written, so resident
time.sleep(0.3)
"""


def test_the_sampler_counts_a_childs_cpu_and_memory():
    sampler = ResourceSampler(interval=0.05)
    sampler.start()
    start = time.time()
    subprocess.run([sys.executable, "-c", CHILD], check=True)
    time.sleep(0.1)  # a sample after the child was reaped: its time is its parent's then
    end = time.time()
    sampler.stop()

    cpu = sampler.cpu(start, end)
    assert cpu is not None
    seconds, busy = cpu
    # the child's 0.6 s (and its interpreter's start), whether sampled live or once reaped
    assert 0.55 <= seconds <= 2.0, seconds
    # at least the one core the child kept busy for most of the window
    cores = os.cpu_count() or 1
    assert busy >= 0.3 / cores, busy
    assert sampler.peak(start, end) - sampler.own_peak(start, end) >= 150 * 2**20
    # nothing is counted outside the window's samples
    assert sampler.cpu(end + 10, end + 20) is None
