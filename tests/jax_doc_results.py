"""JAX's results of the doc programs (tests/jax_doc_programs/), recorded once and read back.

Running a program with JAX costs seconds (XLA compiles); fungrad's side costs
milliseconds: JAX's side was about 300 of the suite's CPU seconds. The default run reads
JAX's results from ``tests/data/jax_doc_results.pkl``, recorded with the pinned JAX by::

    python -m tests.jax_doc_results        # re-records every program (about 3 min)

An entry is used only when its key matches: a hash of the JAX, optax and Python versions
and of the program's code (with the tests.* helpers it calls; see tests/jax_references.py).
A stale or missing entry runs JAX live, as before (right, only slower);
``test_recorded_doc_results_are_current`` fails until the file is re-recorded, and
``pytest --full`` runs every program live.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path

import numpy as np

from tests.jax_references import PYTHON, _feed

STORE = Path(__file__).parent / "data" / "jax_doc_results.pkl"


def program_key(fn, jax_version: str, optax_version: str) -> str:
    h = hashlib.sha256()
    _feed(h, (jax_version, optax_version, PYTHON), set())
    _feed(h, fn, set())
    return h.hexdigest()


def to_host(x):
    """A JAX result as plain NumPy and Python values (containers kept as dict/list/tuple)."""
    if isinstance(x, dict):
        return {k: to_host(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and not hasattr(x, "dtype"):
        return type(x)(map(to_host, x)) if type(x) in (list, tuple) else tuple(map(to_host, x))
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return np.asarray(x)
    return x


def load() -> dict:
    """``{name: (key, result)}``, empty when there is no store."""
    if not STORE.exists():
        return {}
    with STORE.open("rb") as f:
        return pickle.load(f)


def main() -> None:
    import multiprocessing

    from tests import test_jax_doc_programs as t

    names = sorted(t.PROGRAMS)
    entries = {}
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        for name, entry in pool.imap_unordered(_record, names):
            entries[name] = entry
            print(f"\r{len(entries)}/{len(names)} programs recorded", end="", file=sys.stderr,
                  flush=True)
    print(file=sys.stderr)
    tmp = STORE.with_name(STORE.name + ".tmp")
    with tmp.open("wb") as f:
        pickle.dump(entries, f, protocol=4)
    tmp.replace(STORE)
    print(f"wrote {STORE} ({STORE.stat().st_size / 1e6:.1f} MB, {len(entries)} programs)")


def _record(name):
    from tests import test_jax_doc_programs as t

    fn = t.PROGRAMS[name][0]
    return name, (program_key(fn, t.jax.__version__, t.optax.__version__),
                  to_host(fn(t.JAX_NS)))


if __name__ == "__main__":
    main()
