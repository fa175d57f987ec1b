"""Smoke test of ``bench/kernels.py``: a tiny ``--quick`` run exits 0 and prints its table.

The bench checks fungrad's fused kernels against the NumPy executable, JAX and hand-written
NumPy before it times anything, so a run that exits 0 also means those results agree.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "kernels.py"


def run_bench(cache_dir, *args: str) -> subprocess.CompletedProcess:
    """Run the bench in a subprocess on this checkout's fungrad, with an empty kernel cache."""
    root = str(BENCH.parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
           "FUNGRAD_COMPILATION_CACHE_DIR": str(cache_dir)}
    run = subprocess.run([sys.executable, str(BENCH), *args], check=False, capture_output=True,
                         text=True, timeout=60, env=env, cwd=root)
    assert run.returncode == 0, run.stderr[-3000:]
    return run


@pytest.mark.slow
def test_kernels_bench_quick_run(tmp_path):
    run = run_bench(tmp_path, "--quick", "--sizes", "2000")
    assert "workload (median us)" in run.stdout
    assert "ratios of fungrad numba to target" in run.stdout
    assert "(4) compile latency" in run.stdout


@pytest.mark.slow
def test_kernels_bench_profile_times_every_step(tmp_path):
    run = run_bench(tmp_path, "--profile", "gelu 2e3 float32", "--sizes", "2000",
                    "--dtypes", "float32")
    assert "# fusion plan (1 kernels)" in run.stdout
    assert "K0(" in run.stdout  # the one kernel's call, timed
