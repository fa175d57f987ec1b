"""JAX's values, JVPs and VJPs for the primitive table's rows, recorded once and read back.

``tests/test_primitive_table.py::test_matches_jax`` compares each row's value, JVP and VJP
with JAX's. Computing JAX's side means an XLA compile per row (about 0.3 s; the 1,700 rows
were a third of the suite's CPU time), so the default run reads the results from
``tests/data/jax_references.npz``, recorded with the pinned JAX by::

    python -m tests.jax_references          # re-records every row (about 5 min, 2 cores)

An entry is used only when its key matches: a hash of the JAX version, the row's inputs,
tangent and cotangent directions (exact bytes) and the code of the row's ``jax=`` reference
(with the table helpers it calls). Any change to a row, a new row, or another JAX version
makes its entry stale, and the test then computes JAX's side live, as it always did (right,
only slower); ``test_recorded_jax_references_are_current`` fails until the file is
re-recorded (it skips, saying so, under another JAX version or another Python, whose
bytecode differs: every row is then compared live). ``pytest --full`` ignores the file and
computes every row live.
"""

from __future__ import annotations

import hashlib
import json
import sys
import types
from pathlib import Path

import numpy as np

STORE = Path(__file__).parent / "data" / "jax_references.npz"
PYTHON = "{}.{}".format(*sys.version_info[:2])
PARTS = ("value", "jvp", "vjp")


# ---------------------------------------------------------------------------------------
# Keys


def _feed(h, x, seen: set) -> None:
    """Feed a canonical encoding of ``x`` (arrays by their bytes, functions by their code,
    containers element by element) to the hash ``h``."""
    if isinstance(x, np.ndarray) or type(x).__module__.startswith(("numpy", "jax")) and \
            hasattr(x, "dtype"):
        a = np.asarray(x)
        h.update(f"array:{a.dtype.str}:{a.dtype.name}:{a.shape}:".encode())
        h.update(np.ascontiguousarray(a).view(np.uint8).tobytes() if a.dtype.itemsize else b"")
    elif isinstance(x, (list, tuple)):
        h.update(f"{type(x).__name__}:{len(x)}(".encode())
        for v in x:
            _feed(h, v, seen)
        h.update(b")")
    elif isinstance(x, (set, frozenset)):  # in a fixed order (string hashes vary by run)
        _feed(h, sorted(x, key=repr), seen)
    elif isinstance(x, dict):
        h.update(f"dict:{len(x)}(".encode())
        for k in sorted(x, key=repr):
            _feed(h, k, seen)
            _feed(h, x[k], seen)
        h.update(b")")
    elif isinstance(x, types.FunctionType):
        _feed_function(h, x, seen)
    elif isinstance(x, types.CodeType):
        _feed_code(h, x, seen)
    elif isinstance(x, types.ModuleType):
        h.update(f"module:{x.__name__}".encode())
    elif x is None or isinstance(x, (bool, int, float, complex, str, bytes)):
        h.update(f"{type(x).__name__}:{x!r}".encode())
    else:  # other objects (dataclasses, partials, dtypes): their repr, without addresses
        text = repr(x)
        h.update((type(x).__qualname__ if " at 0x" in text else text).encode())


def _feed_code(h, code: types.CodeType, seen: set) -> None:
    h.update(b"code:" + code.co_code)
    h.update(repr(code.co_names).encode())
    for c in code.co_consts:
        _feed(h, c, seen)


def _feed_function(h, f: types.FunctionType, seen: set) -> None:
    """A function by its code, its defaults, the values it closes over, and the functions of
    the test tables it calls by global name (their code can change too)."""
    if f in seen:
        h.update(f"function-again:{f.__qualname__}".encode())
        return
    seen.add(f)
    h.update(f"function:{f.__qualname__}".encode())
    _feed_code(h, f.__code__, seen)
    _feed(h, f.__defaults__, seen)
    for cell in f.__closure__ or ():
        try:
            _feed(h, cell.cell_contents, seen)
        except ValueError:  # an empty cell
            h.update(b"empty-cell")
    for name in _global_names(f.__code__):
        value = f.__globals__.get(name)
        if isinstance(value, types.FunctionType) and value.__module__.startswith("tests."):
            _feed_function(h, value, seen)


def _global_names(code: types.CodeType) -> list[str]:
    names = list(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names.extend(_global_names(c))
    return names


def row_key(case, jax_version: str, args, tangents, ct) -> str:
    """The key of a row's entry: what JAX's results depend on."""
    h = hashlib.sha256()
    _feed(h, (jax_version, case.name, case.diff, tuple(case.modes)), set())
    _feed(h, case.jax, set())
    _feed(h, (tuple(args), tuple(tangents), ct), set())
    return h.hexdigest()


def inputs_key(case, jax_version: str, args) -> str:
    """The part of the key that needs no fungrad evaluation (the cotangent is shaped like
    fungrad's output): what the staleness test checks for every row."""
    h = hashlib.sha256()
    _feed(h, (jax_version, case.name, case.diff, tuple(case.modes)), set())
    _feed(h, case.jax, set())
    _feed(h, tuple(args), set())
    return h.hexdigest()


# ---------------------------------------------------------------------------------------
# The store: one npz of leaves, with a JSON index


_FLOAT0 = "float0"


def _encode_leaf(x) -> tuple[np.ndarray, str]:
    """An array np.savez can hold, and the dtype name to restore it as."""
    a = np.asarray(x)
    if a.dtype.kind == "V" and a.dtype.name != "bfloat16":  # JAX's float0
        return np.zeros(a.shape, np.bool_), _FLOAT0
    if a.dtype.name == "bfloat16":
        return a.view(np.uint16), "bfloat16"
    return a, a.dtype.name


def _decode_leaf(a: np.ndarray, dtype_name: str) -> np.ndarray:
    if dtype_name == _FLOAT0:
        return np.zeros(a.shape, np.dtype([("float0", np.void, 0)]))
    if dtype_name == "bfloat16":
        import ml_dtypes

        return a.view(ml_dtypes.bfloat16)
    return a


class Store:
    """The recorded entries: ``lookup(name, key)`` returns ``(value, jvp, vjp)`` leaf lists
    (None for a part the row has not), or None when the entry is absent or stale."""

    def __init__(self, path: Path = STORE):
        self.path = path
        self.index: dict = {}
        self.jax_version = None  # the JAX the entries were recorded with
        self.python_version = PYTHON  # and the Python (its bytecode is in the keys)
        self._arrays = None
        if path.exists():
            self._arrays = np.load(path, allow_pickle=False)
            self.index = json.loads(str(self._arrays["__index__"]))
            self.jax_version = str(self._arrays["__jax_version__"])
            if "__python_version__" in self._arrays.files:
                self.python_version = str(self._arrays["__python_version__"])

    def lookup(self, name: str, key: str):
        entry = self.index.get(name)
        if entry is None or entry["key"] != key:
            return None
        out = []
        for part in PARTS:
            leaves = entry["parts"][part]
            out.append(None if leaves is None else [
                _decode_leaf(self._arrays[f"{entry['id']}/{part}/{i}"], dtype)
                for i, dtype in enumerate(leaves)])
        return tuple(out)


def write_store(entries: dict, jax_version: str, path: Path = STORE) -> None:
    """Write ``{name: (key, inputs_key, value leaves, jvp leaves|None, vjp leaves|None)}``,
    recorded with JAX ``jax_version``."""
    arrays, index = {}, {}
    for n, name in enumerate(sorted(entries)):
        key, in_key, *parts = entries[name]
        desc = {}
        for part, leaves in zip(PARTS, parts):
            if leaves is None:
                desc[part] = None
                continue
            desc[part] = []
            for i, leaf in enumerate(leaves):
                arrays[f"{n}/{part}/{i}"], dtype = _encode_leaf(leaf)
                desc[part].append(dtype)
        index[name] = {"id": n, "key": key, "inputs_key": in_key, "parts": desc}
    arrays["__index__"] = np.array(json.dumps(index, sort_keys=True))
    arrays["__jax_version__"] = np.array(jax_version)
    arrays["__python_version__"] = np.array(PYTHON)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)


# ---------------------------------------------------------------------------------------
# Recording: python -m tests.jax_references


def _record_chunk(names: list[str]) -> dict:
    from tests import test_primitive_table as table

    by_name = {c.name: c for c in table.JAX_CASES}
    jax = table.jax_modules()[0]
    out = {}
    for name in names:
        case = by_name[name]
        inputs = table.row_inputs(case)
        ref = table.live_reference(case, inputs)
        key = row_key(case, jax.__version__, inputs.args, inputs.tangents, inputs.ct)
        in_key = inputs_key(case, jax.__version__, inputs.args)
        out[name] = (key, in_key, *[None if part is None else [np.asarray(x) for x in
                                                               table.leaves(part)]
                                    for part in ref])
    return out


def main(argv=None) -> None:
    import multiprocessing

    from tests import test_primitive_table as table

    names = [c.name for c in table.JAX_CASES]
    workers = max(1, min(multiprocessing.cpu_count(), 8))
    chunks = [names[i::workers * 8] for i in range(workers * 8)]
    entries: dict = {}
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for done, part in enumerate(pool.imap_unordered(_record_chunk, chunks), 1):
            entries.update(part)
            print(f"\r{len(entries)}/{len(names)} rows recorded", end="", file=sys.stderr,
                  flush=True)
    print(file=sys.stderr)
    write_store(entries, table.jax_modules()[0].__version__)
    print(f"wrote {STORE} ({STORE.stat().st_size / 1e6:.1f} MB, {len(entries)} rows)")


if __name__ == "__main__":
    main()
