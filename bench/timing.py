"""Timing helpers for the benchmarks: interleaved runs, medians, and a printed table.

The machines these run on are noisy, so implementations are timed round-robin (one call of
each per round) and compared by medians measured in the same run. Each round calls them in a
new (seeded) random order: what one call leaves behind (the allocator's heap, caches) changes
the next one's time, so a fixed order gives every implementation the same predecessor each
round. Measured on bench/eager.py (b): after JAX's step the hand-written NumPy step found
freed heap pages and took 512 page faults (5.6 ms); on its own, 1,520 (6.9-7.5 ms).
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable

import numpy as np


def available(module: str) -> bool:
    """True if ``module`` can be imported (optional comparison libraries)."""
    return importlib.util.find_spec(module) is not None


def time_round_robin(fns: dict[str, Callable[[], object]], rounds: int, warmup: int = 3,
                     budget_s: float = 20.0) -> dict[str, np.ndarray]:
    """Call each function once per round, in a shuffled order, ``rounds`` times; return
    per-call seconds."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    names = list(fns)
    order = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(rounds):
        for i in order.permutation(len(names)):
            name, fn = names[i], fns[names[i]]
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
        if time.perf_counter() - start > budget_s:
            break
    return {name: np.array(ts) for name, ts in times.items()}


def format_table(title: str, times: dict[str, np.ndarray], baseline: str,
                 unit: str = "us") -> str:
    """Render medians (and ratios to ``baseline``) as an aligned text table."""
    scale = {"us": 1e6, "ms": 1e3}[unit]
    base = np.median(times[baseline])
    width = max(len(n) for n in times) + 2
    lines = [title, f"{'implementation'.ljust(width)}{'median ' + unit:>14}{'p10 ' + unit:>12}"
             f"{'x ' + baseline:>{len(baseline) + 12}}{'rounds':>8}"]
    for name, ts in times.items():
        med = np.median(ts)
        p10 = np.percentile(ts, 10) * scale
        lines.append(f"{name.ljust(width)}{med * scale:>14.1f}{p10:>12.1f}"
                     f"{med / base:>{len(baseline) + 12}.2f}{len(ts):>8}")
    return "\n".join(lines)


def blas_threads_line() -> str:
    """Describe the BLAS threading in effect (it changes matrix-product timings 10x on small,
    shared machines; see the README)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        setting = os.environ.get("OPENBLAS_NUM_THREADS")
        return f"BLAS threads: unknown (OPENBLAS_NUM_THREADS={setting})"
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    threads = ", ".join(f"{p.get('internal_api')} {p.get('num_threads')}" for p in pools)
    return f"BLAS threads: {threads or 'none found'}; {os.cpu_count()} CPUs"
