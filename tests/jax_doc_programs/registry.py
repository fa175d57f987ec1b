"""The registry of doc programs (tests/test_jax_doc_programs.py runs every entry) and the
helpers the programs share."""

from __future__ import annotations

import numpy as np

PROGRAMS: dict[str, tuple] = {}


def program(rtol: float = 1e-10, atol: float = 1e-12):
    """Register a doc program with the tolerances its comparison uses."""
    def register(fn):
        if fn.__name__ in PROGRAMS:
            raise ValueError(f"two doc programs are named {fn.__name__!r}")
        PROGRAMS[fn.__name__] = (fn, rtol, atol)
        return fn
    return register


# Random programs compare statistics of different streams: 0.03 is over ten standard
# errors of every statistic they return (20,000 draws).
STATS = {"rtol": 0.0, "atol": 0.03}


def fixed_normal(seed: int, shape) -> np.ndarray:
    """Data and initial parameters drawn with NumPy, so both libraries start equal (the
    doc programs draw them with jax.random, whose bits fungrad does not reproduce)."""
    return np.random.default_rng(seed).normal(size=shape)
