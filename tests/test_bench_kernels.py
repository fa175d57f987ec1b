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


@pytest.mark.slow
def test_kernels_bench_quick_run(tmp_path):
    root = str(BENCH.parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
           "FUNGRAD_COMPILATION_CACHE_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, str(BENCH), "--quick", "--sizes", "2000"],
                         check=False, capture_output=True, text=True, timeout=60, env=env, cwd=root)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "workload (median us)" in run.stdout
    assert "ratios of fungrad numba to target" in run.stdout
    assert "(4) compile latency" in run.stdout
