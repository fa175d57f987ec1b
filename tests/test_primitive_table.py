"""The universal primitive test: every row of tests/tables/* through check_grads and JAX."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

import tests.tables as tables_pkg
from fungrad.test_util import check_grads
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


def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import lax

    return jax, jnp, lax


def _close(a, b, case, what):
    a_leaves = [np.asarray(x) for x in _leaves(a)]
    b_leaves = [np.asarray(x) for x in _leaves(b)]
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


def _leaves(x):
    from fungrad.tree_util import tree_leaves

    return tree_leaves(x)


@pytest.mark.parametrize("case", [c for c in CASES if c.jax is not None], ids=lambda c: c.name)
def test_matches_jax(case: Case):
    import fungrad as fg

    jax, jnp, lax = _jax()
    ref = case.jax(jnp, lax)
    args = case.draw_args()
    out = case.fun(*args)
    ref_out = ref(*args)
    _close(out, ref_out, case, "value")
    for o, r in zip(_leaves(out), _leaves(ref_out)):
        o, r = np.asarray(o), np.asarray(r)
        if o.dtype.kind != "V" and o.dtype != r.dtype:
            raise AssertionError(f"{case.name}: dtype {o.dtype} vs JAX {r.dtype}")
    if not case.diff:
        return
    rng = np.random.default_rng(1)
    diff_idx = [i for i, a in enumerate(args) if differentiable(a)]
    tangents = tuple(direction(rng, args[i]) for i in diff_idx)

    def partial(f):
        def g(*dargs):
            full = list(args)
            for i, d in zip(diff_idx, dargs):
                full[i] = d
            return f(*full)

        return g

    primals = tuple(args[i] for i in diff_idx)
    _, t_out = fg.jvp(partial(case.fun), primals, tangents)
    _, ref_t = jax.jvp(partial(ref), primals, tangents)
    _close(t_out, ref_t, case, "jvp")
    if "rev" not in case.modes:
        return
    ct = _tree_map(lambda o: direction(rng, o), out)
    _, pullback = fg.vjp(partial(case.fun), *primals)
    _, ref_pullback = jax.vjp(partial(ref), *primals)
    _close(pullback(ct), ref_pullback(ct), case, "vjp")
