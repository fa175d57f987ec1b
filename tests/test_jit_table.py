"""jit over the primitive test table: jit(f) equals f, and derivatives through jit agree.

For every row: the jitted function's values, ``vjp`` of the jitted function
(``grad(jit(f))``), ``jit`` of the vjp (``jit(grad(f))``), ``jvp`` through jit, and the vjp
of ``checkpoint(f)`` (eager, and jitted with the ``dots_saveable`` policy) all equal the
eager results. Fixed (``Const``) arguments are closed over, as static configuration
(special ``Point`` arguments are inputs);
rows with data-dependent output shapes (``batch=False``) cannot be traced (as in JAX).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import fungrad as fg
from fungrad.tree_util import tree_flatten, tree_map
from tests.tables.spec import Case, differentiable, direction
from tests.test_primitive_table import CASES

JIT_CASES = [c for c in CASES if c.batch]
# The numba values column compiles about one kernel per row (~0.6 CPU-s each), so both
# parts (a fixed quarter by a hash of the row's name, and the rest) run only with
# ``--full``: CI's 20 minutes do not hold them on a slow 2-core machine. The kernels'
# own tests (test_kernels, test_kernel_rows, test_kernels_vmath) run by default.
NUMBA_DEFAULT = [c for c in JIT_CASES if zlib.crc32(c.name.encode()) % 4 == 0]
NUMBA_REST = [c for c in JIT_CASES if zlib.crc32(c.name.encode()) % 4 != 0]


def _split(case: Case, args):
    """Return (dynamic positions, a function of the dynamic args only)."""
    dyn = [i for i, spec in enumerate(case.args) if spec.dynamic]

    def fun(*dyn_args):
        full = list(args)
        for i, a in zip(dyn, dyn_args):
            full[i] = a
        return case.fun(*full)

    return dyn, fun


def _close(actual, expected, case, what, float32_rtol=1e-10):
    a, ta = tree_flatten(actual)
    e, te = tree_flatten(expected)
    assert ta == te, f"{case.name}: {what}: structure {ta} vs {te}"
    for x, y in zip(a, e):
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape, f"{case.name}: {what}: shape {x.shape} vs eager {y.shape}"
        if y.dtype.kind == "V" and y.dtype.name != "bfloat16":  # float0
            continue
        assert x.dtype == y.dtype, f"{case.name}: {what}: dtype {x.dtype} vs eager {y.dtype}"
        rtol = float32_rtol if y.dtype in (np.float32, np.complex64) else 1e-10
        atol = 1e-12
        if "low_precision" in case.tags:  # 16-bit rows: compare at the row's tolerance
            x, y, rtol, atol = x.astype(np.float64), y.astype(np.float64), case.rtol, case.atol
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=f"{case.name}: {what}")


@pytest.mark.parametrize("case", JIT_CASES, ids=lambda c: c.name)
def test_jit_matches_eager(case: Case):
    args = case.draw_args()
    dyn, fun = _split(case, args)
    dyn_args = [args[i] for i in dyn]
    jitted = fg.jit(fun)
    _close(jitted(*dyn_args), fun(*dyn_args), case, "jit(f)")
    _close(jitted(*dyn_args), fun(*dyn_args), case, "jit(f), cached")
    assert jitted.trace_count == 1


def _has_float_input(case: Case) -> bool:
    """Decided at collection, so that rows a cell cannot apply to do not generate it."""
    args = case.draw_args()
    return any(differentiable(args[i]) for i, spec in enumerate(case.args) if spec.dynamic)


@pytest.mark.parametrize("case", [c for c in JIT_CASES if c.diff and _has_float_input(c)],
                         ids=lambda c: c.name)
def test_derivatives_through_jit(case: Case):
    args = case.draw_args()
    dyn, fun = _split(case, args)
    diff = [i for i in dyn if differentiable(args[i])]
    fixed = {i: args[i] for i in dyn if i not in diff}

    def f(*primals):
        it = iter(primals)
        return fun(*[fixed[i] if i in fixed else next(it) for i in dyn])

    primals = [args[i] for i in diff]
    rng = np.random.default_rng(3)
    ct = tree_map(lambda o: direction(rng, o), f(*primals))
    tangents = [direction(rng, p) for p in primals]

    def pullback(g):
        return fg.vjp(g, *primals)[1](ct)

    _close(fg.jvp(fg.jit(f), primals, tangents), fg.jvp(f, primals, tangents), case,
           "jvp(jit(f))")
    if "rev" not in case.modes:
        return
    want = pullback(f)
    _close(pullback(fg.jit(f)), want, case, "vjp(jit(f))")
    _close(fg.jit(lambda *p: fg.vjp(f, *p)[1](ct))(*primals), want, case, "jit(vjp(f))")
    _close(pullback(fg.checkpoint(f)), want, case, "vjp(checkpoint(f))")
    policy = fg.checkpoint_policies.dots_saveable
    _close(fg.jit(lambda *p: fg.vjp(fg.checkpoint(f, policy=policy), *p)[1](ct))(*primals),
           want, case, "jit(vjp(checkpoint(f, dots_saveable)))")


@pytest.fixture
def numba_backend():
    """Every jitted program of the test runs as fused Numba kernels (compiled at once)."""
    pytest.importorskip("numba")
    previous = fg.config.jit_backend
    fg.config.update("jit_backend", "numba")
    try:
        yield
    finally:
        fg.config.update("jit_backend", previous)


def _close_fused(actual, expected, case, what):
    """Fused kernels use vector math (float32 within 1 ulp) and reassociated sums."""
    _close(actual, expected, case, f"{what} (backend='numba')", float32_rtol=1e-5)


def _numba_matches_eager(case: Case):
    args = case.draw_args()
    dyn, fun = _split(case, args)
    dyn_args = [args[i] for i in dyn]
    jitted = fg.jit(fun)
    want = fun(*dyn_args)
    _close_fused(jitted(*dyn_args), want, case, "jit(f)")
    _close_fused(jitted(*dyn_args), want, case, "jit(f), cached")


@pytest.mark.full
@pytest.mark.parametrize("case", NUMBA_DEFAULT, ids=lambda c: c.name)
def test_numba_backend_matches_eager(case: Case, numba_backend):
    _numba_matches_eager(case)


@pytest.mark.full
@pytest.mark.parametrize("case", NUMBA_REST, ids=lambda c: c.name)
def test_numba_backend_matches_eager_other_rows(case: Case, numba_backend):
    _numba_matches_eager(case)


@pytest.mark.full
@pytest.mark.parametrize("case", JIT_CASES, ids=lambda c: c.name)
def test_numba_backend_derivatives_match_eager(case: Case, numba_backend):
    """``jvp(jit(f))``, ``vjp(jit(f))`` and ``jit(vjp(f))`` through fused kernels, for every
    row: about 600 CPU-s of Numba compiles, so only with ``--full`` (README)."""
    args = case.draw_args()
    dyn, fun = _split(case, args)
    dyn_args = [args[i] for i in dyn]
    diff = [k for k, i in enumerate(dyn) if np.asarray(args[i]).dtype.kind == "f"]
    if not case.diff or not diff:
        pytest.skip("no float input to differentiate")

    def f(*primals):
        full = list(dyn_args)
        for k, p in zip(diff, primals):
            full[k] = p
        return fun(*full)

    want = fun(*dyn_args)
    primals = [dyn_args[k] for k in diff]
    rng = np.random.default_rng(3)
    tangents = [rng.standard_normal(np.shape(p)).astype(np.asarray(p).dtype) for p in primals]
    _close_fused(fg.jvp(fg.jit(f), primals, tangents), fg.jvp(f, primals, tangents), case,
                 "jvp(jit(f))")
    if "rev" not in case.modes:
        return
    ct = tree_map(lambda o: rng.standard_normal(np.shape(o)).astype(np.asarray(o).dtype), want)
    want_ct = fg.vjp(f, *primals)[1](ct)
    _close_fused(fg.vjp(fg.jit(f), *primals)[1](ct), want_ct, case, "vjp(jit(f))")
    _close_fused(fg.jit(lambda *p: fg.vjp(f, *p)[1](ct))(*primals), want_ct, case,
                 "jit(vjp(f))")
