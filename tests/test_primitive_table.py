"""The universal primitive test: every row of tests/tables/* through check_grads and JAX."""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import NamedTuple

import numpy as np
import pytest

import tests.tables as tables_pkg
from fungrad.test_util import check_grads
from tests import jax_references
from tests.tables.spec import Case, differentiable, direction


def _collect_cases() -> list[Case]:
    cases = []
    for info in sorted(pkgutil.iter_modules(tables_pkg.__path__), key=lambda m: m.name):
        if info.name == "spec":
            continue
        cases.extend(importlib.import_module(f"tests.tables.{info.name}").CASES)
    names = [c.name for c in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    assert not duplicates, f"duplicate case names in tests/tables: {duplicates}"
    return cases


CASES = _collect_cases()
DIFF_CASES = [c for c in CASES if c.diff and c.order > 0]


@pytest.mark.parametrize("case", DIFF_CASES, ids=lambda c: c.name)
def test_check_grads(case: Case):
    check_grads(case.fun, case.draw_args(), order=case.order, modes=case.modes,
                atol=case.atol, rtol=case.rtol)


def jax_modules():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import lax

    return jax, jnp, lax


def _close(a, b, case, what):
    a_leaves = [np.asarray(x) for x in leaves(a)]
    b_leaves = [np.asarray(x) for x in leaves(b)]
    assert len(a_leaves) == len(b_leaves), f"{case.name}: {what}: different number of outputs"
    for x, y in zip(a_leaves, b_leaves):
        if "bfloat16" not in (x.dtype.name, y.dtype.name) and "V" in (x.dtype.kind, y.dtype.kind):
            continue  # float0
        if "low_precision" in case.tags:
            x, y = x.astype(np.float64), y.astype(np.float64)
        assert x.shape == y.shape, f"{case.name}: {what}: shape {x.shape} vs JAX {y.shape}"
        np.testing.assert_allclose(x, y, rtol=case.rtol or 1e-7, atol=case.atol or 1e-9,
                                   err_msg=f"{case.name}: {what} differs from JAX")


def _tree_map(f, x):
    from fungrad.tree_util import tree_map

    return tree_map(f, x)


def leaves(x):
    from fungrad.tree_util import tree_leaves

    return tree_leaves(x)


def _jax_reference(jax, ref, case: Case, args, diff_idx, tangents, ct):
    """JAX's value, JVP and VJP of the row (None where the row has none), from one program
    that ``jax.jit`` compiles: eager JAX compiles each operation on its own (XLA, about 50
    ms apiece), which made this test half of the suite's time; one program is 2.4x cheaper.

    The row's inputs are the program's arguments, so XLA cannot fold them as constants
    (folding evaluates with other code than the compiled kernels); configuration (``Const``
    values that are not float) is closed over, as static. A reference that cannot be traced
    (it needs concrete values) runs eagerly.
    """
    traced = [i for i, (spec, a) in enumerate(zip(case.args, args))
              if spec.dynamic or differentiable(a)]

    def with_inputs(inputs, f):
        def g(*dargs):
            full = list(args)
            for i, x in zip(traced, inputs):
                full[i] = x
            for i, d in zip(diff_idx, dargs):
                full[i] = d
            return f(*full)

        return g

    def reference(inputs, tangents, ct):
        f = with_inputs(inputs, ref)
        value = f(*[inputs[traced.index(i)] for i in diff_idx])
        if not case.diff:
            return value, None, None
        primals = [inputs[traced.index(i)] for i in diff_idx]
        t_out = jax.jvp(f, primals, list(tangents))[1]
        ct_out = None if ct is None else tuple(jax.vjp(f, *primals)[1](ct))
        return value, t_out, ct_out

    inputs = [args[i] for i in traced]
    try:
        return jax.jit(reference)(inputs, tangents, ct)
    except Exception:  # noqa: BLE001 (e.g. a concretization error: the eager run reports)
        return reference(inputs, tangents, ct)


class RowInputs(NamedTuple):
    """A row's arguments, the indices of the differentiable ones, and the tangent and
    cotangent directions its JVP and VJP are compared along (None: no VJP)."""

    args: tuple
    diff_idx: list
    tangents: tuple
    ct: object
    out: object  # fungrad's value


def row_inputs(case: Case) -> RowInputs:
    args = case.draw_args()
    out = case.fun(*args)
    rng = np.random.default_rng(1)
    diff_idx = [i for i, a in enumerate(args) if differentiable(a)] if case.diff else []
    tangents = tuple(direction(rng, args[i]) for i in diff_idx)
    ct = _tree_map(lambda o: direction(rng, o), out) if case.diff and "rev" in case.modes \
        else None
    return RowInputs(args, diff_idx, tangents, ct, out)


def live_reference(case: Case, inputs: RowInputs):
    """JAX's (value, jvp, vjp) of the row, computed now."""
    jax, jnp, lax = jax_modules()
    return _jax_reference(jax, case.jax(jnp, lax), case, inputs.args, inputs.diff_idx,
                          inputs.tangents, inputs.ct)


JAX_CASES = [c for c in CASES if c.jax is not None]
_store = functools.cache(jax_references.Store)  # loaded once per process


def _recorded(case: Case, inputs: RowInputs, jax_version: str):
    """The row's recorded JAX results (tests/jax_references.py), or None if stale."""
    key = jax_references.row_key(case, jax_version, inputs.args, inputs.tangents, inputs.ct)
    return _store().lookup(case.name, key)


@pytest.mark.parametrize("case", JAX_CASES, ids=lambda c: c.name)
def test_matches_jax(case: Case, request):
    import fungrad as fg

    jax = jax_modules()[0]
    inputs = row_inputs(case)
    args, diff_idx, tangents, ct, out = inputs
    ref = None if request.config.getoption("--full") else _recorded(case, inputs,
                                                                   jax.__version__)
    ref_out, ref_t, ref_ct = ref if ref is not None else live_reference(case, inputs)
    _close(out, ref_out, case, "value")
    for o, r in zip(leaves(out), leaves(ref_out)):
        o, r = np.asarray(o), np.asarray(r)
        if o.dtype.kind != "V" and o.dtype != r.dtype:
            raise AssertionError(f"{case.name}: dtype {o.dtype} vs JAX {r.dtype}")
    if not case.diff:
        return

    def partial(f):
        def g(*dargs):
            full = list(args)
            for i, d in zip(diff_idx, dargs):
                full[i] = d
            return f(*full)

        return g

    primals = tuple(args[i] for i in diff_idx)
    _, t_out = fg.jvp(partial(case.fun), primals, tangents)
    _close(t_out, ref_t, case, "jvp")
    if ct is None:
        return
    _, pullback = fg.vjp(partial(case.fun), *primals)
    _close(pullback(ct), ref_ct, case, "vjp")


def test_recorded_jax_references_are_current():
    """Every row compared with JAX has a current entry in tests/data/jax_references.npz
    (otherwise test_matches_jax computes JAX's side live: right, but slow)."""
    jax = jax_modules()[0]
    store = _store()
    assert store.jax_version is not None, (
        f"{jax_references.STORE} is missing: run `python -m tests.jax_references`")
    recorded = (store.jax_version, store.python_version)
    if recorded != (jax.__version__, jax_references.PYTHON):
        pytest.skip(f"the references were recorded with (JAX, Python) {recorded}, and this "
                    f"is ({jax.__version__}, {jax_references.PYTHON}): every row is compared "
                    "live (slower); `python -m tests.jax_references` re-records them")
    stale = [c.name for c in JAX_CASES
             if store.index.get(c.name, {}).get("inputs_key")
             != jax_references.inputs_key(c, jax.__version__, c.draw_args())]
    assert not stale, (f"{len(stale)} rows have no current recorded JAX reference (new or "
                       f"changed rows, or JAX {jax.__version__} is not the recorded version), "
                       f"e.g. {stale[:5]}; run `python -m tests.jax_references` and commit "
                       "tests/data/jax_references.npz.")
