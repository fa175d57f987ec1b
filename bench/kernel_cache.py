"""Kernel cache timings: cold compile and warm load per kernel, each in a fresh process.

Run: ``python bench/kernel_cache.py`` (``--kernels N``, default 6). Prints, from one run:

- cold: a process with an empty cache compiles N different kernels (``backend="numba"``);
  the first includes Numba's one-time initialisation, the median of the others is the
  per-kernel compile time. Target: <= 0.5 s per new kernel.
- warm: a second process loads the same N kernels from the disk cache; ``import numba``
  and the first load are the one-time cost (target <= 1 s), the median of the other loads
  is the per-kernel cost (target <= 15 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

# Each body forms one kernel of its own (a different source, so a different cache entry).
BODIES = [
    "fnp.tanh(x) * 2.0 + 1.0", "fnp.exp(-x) * 3.0 - x", "x * x + 0.5 * x",
    "fnp.log(1.0 + x * x) * 0.25", "fnp.sin(x) * fnp.cos(x) + 2.0", "fnp.sqrt(x * x + 1.0) - x",
    "fnp.maximum(x, 0.0) * 1.5 + x * x", "(x - 0.25) * (x + 0.75) * 3.0",
]

CHILD = """
import json, sys, time
t0 = time.perf_counter()
import numpy as np, fungrad as fg, fungrad.numpy as fnp
from fungrad.kernels.cpu import cache
t1 = time.perf_counter()
x = np.linspace(-1.0, 1.0, 64)
times = []
for body in BODIES:
    f = fg.jit(eval("lambda x: " + body), backend="numba")
    start = time.perf_counter()
    f(x)
    times.append(time.perf_counter() - start)
print(json.dumps({"import_fungrad": t1 - t0, "calls": times, "stats": cache.stats,
                  "numba_imported": "numba" in sys.modules}))
"""

IMPORT_NUMBA = "import time; t = time.perf_counter(); import numba; print(time.perf_counter() - t)"


def run_child(code: str, cache_dir: str) -> str:
    """Run ``code`` in a fresh interpreter with its kernel cache at ``cache_dir``."""
    env = dict(os.environ, FUNGRAD_COMPILATION_CACHE_DIR=cache_dir)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=600, check=True)
    return done.stdout.strip().splitlines()[-1]


def median(xs: list[float]) -> float:
    """The median of ``xs`` (the mean of the middle two for an even count)."""
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def main() -> None:
    """Print cold and warm per-kernel times."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kernels", type=int, default=6)
    n = parser.parse_args().kernels
    code = f"BODIES = {BODIES[:n]!r}\n{CHILD}"
    with tempfile.TemporaryDirectory(prefix="fungrad-bench-cache-") as root:
        cold = json.loads(run_child(code, root))
        warm = json.loads(run_child(code, root))
        numba_import = float(run_child(IMPORT_NUMBA, root))
    ms = [f"{1e3 * t:.0f}" for t in cold["calls"]]
    print(f"cold: {n} kernels, per call (ms): {', '.join(ms)}; stats {cold['stats']}")
    print(f"  first (with Numba start-up) {cold['calls'][0]:.2f} s; "
          f"median of the others {median(cold['calls'][1:]):.3f} s per kernel (target <= 0.5)")
    ms = [f"{1e3 * t:.1f}" for t in warm["calls"]]
    print(f"warm: per call (ms): {', '.join(ms)}; stats {warm['stats']}")
    print(f"  import numba {numba_import:.2f} s (alone); first load (with it) "
          f"{warm['calls'][0]:.2f} s (target <= 1); median of the others "
          f"{1e3 * median(warm['calls'][1:]):.1f} ms per kernel (target <= 15)")


if __name__ == "__main__":
    main()
