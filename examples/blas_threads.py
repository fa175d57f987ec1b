"""A context that caps BLAS threads (support module for the examples, not an example).

The examples' matrix products are small: waking a second BLAS thread costs more than it
saves, and on a machine shared with other processes it can cost 10x the whole step.
"""

from __future__ import annotations

import contextlib


def limit_blas_threads(threads: int):
    """Cap BLAS at ``threads`` threads (no-op for 0 or without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(threads, user_api="blas") if threads else contextlib.nullcontext()
