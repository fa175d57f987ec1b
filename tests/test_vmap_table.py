"""vmap over the primitive test table: vmap(f) equals stacking f over a Python loop.

For every row: batching along a leading axis, along a non-leading axis (in_axes=1,
out_axes=1), with the first argument unbatched, and vmap(grad(f)) (per-example gradients).
Integer and fixed (Const) arguments stay unbatched: they are indices and static choices;
special points (Point) are batched like drawn arguments.
"""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.tree_util import tree_flatten, tree_map
from tests.tables.spec import Case, differentiable
from tests.test_primitive_table import CASES

B = 3
BATCH_CASES = [c for c in CASES if c.batch]


def _batchable(case: Case, args) -> list[bool]:
    return [spec.dynamic and differentiable(a)
            for spec, a in zip(case.args, args)]


def _float_args(case: Case) -> int:
    """How many arguments vmap batches in this row (decided at collection: rows where a
    cell cannot apply do not generate it, so a skip always means "could not run here")."""
    return sum(_batchable(case, case.draw_args()))


ANY_FLOAT = [c for c in BATCH_CASES if _float_args(c) >= 1]
TWO_FLOATS = [c for c in BATCH_CASES if _float_args(c) >= 2]


def _examples(case: Case):
    return [case.draw_args(seed=k) for k in range(B)]


def _stack(examples, flags, axis):
    out = []
    for i, flag in enumerate(flags):
        if flag:
            out.append(np.stack([ex[i] for ex in examples], axis=axis))
        else:
            out.append(examples[0][i])
    return out


def _loop(f, examples, flags, axis):
    results = []
    for ex in examples:
        args = [ex[i] if flag else examples[0][i] for i, flag in enumerate(flags)]
        results.append(f(*args))
    return tree_map(lambda *xs: np.stack([np.asarray(x) for x in xs], axis=axis), *results)


def _assert_tree_close(actual, expected, case, what):
    a, ta = tree_flatten(actual)
    e, te = tree_flatten(expected)
    assert ta == te, f"{case.name}: {what}: structure {ta} vs {te}"
    for x, y in zip(a, e):
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape, f"{case.name}: {what}: shape {x.shape} vs loop {y.shape}"
        if y.dtype.kind == "V" and y.dtype.name != "bfloat16":  # float0
            continue
        # 16-bit rows: batched products may sum in another order (float32, then rounded).
        low = "low_precision" in case.tags
        np.testing.assert_allclose(x.astype(np.float64) if low else x,
                                   y.astype(np.float64) if low else y,
                                   rtol=case.rtol if low else 1e-9,
                                   atol=case.atol if low else 1e-12,
                                   err_msg=f"{case.name}: {what}")


def _run(case: Case, flags, in_axis, out_axis):
    examples = _examples(case)
    assert any(flags), f"{case.name}: no float argument to batch (filtered at collection)"
    in_axes = tuple(in_axis if (flag and np.ndim(examples[0][i]) >= in_axis) else
                    (0 if flag else None) for i, flag in enumerate(flags))
    stacked = [np.stack([ex[i] for ex in examples], axis=ax) if ax is not None else examples[0][i]
               for i, ax in enumerate(in_axes)]
    out_rank = min(np.ndim(x) for x in tree_flatten(case.fun(*examples[0]))[0])
    out_ax = out_axis if out_rank >= out_axis else 0
    got = fg.vmap(case.fun, in_axes=in_axes, out_axes=out_ax)(*stacked)
    want = _loop(case.fun, examples, [ax is not None for ax in in_axes], out_ax)
    _assert_tree_close(got, want, case, f"vmap(in_axes={in_axes}, out_axes={out_ax})")


@pytest.mark.parametrize("case", ANY_FLOAT, ids=lambda c: c.name)
def test_vmap_leading_axis(case: Case):
    _run(case, _batchable(case, case.draw_args()), 0, 0)


@pytest.mark.parametrize("case", ANY_FLOAT, ids=lambda c: c.name)
def test_vmap_axis_1(case: Case):
    _run(case, _batchable(case, case.draw_args()), 1, 1)


@pytest.mark.parametrize("case", TWO_FLOATS, ids=lambda c: c.name)
def test_vmap_first_arg_unbatched(case: Case):
    flags = _batchable(case, case.draw_args())
    first = flags.index(True)
    flags[first] = False
    _run(case, flags, 0, 0)


@pytest.mark.parametrize("case", [c for c in ANY_FLOAT if c.diff and "rev" in c.modes],
                         ids=lambda c: c.name)
def test_vmap_of_grad_matches_loop(case: Case):
    examples = _examples(case)
    flags = _batchable(case, examples[0])
    argnum = flags.index(True)
    ct = tree_map(lambda o: np.random.default_rng(7).standard_normal(np.shape(o)),
                  case.fun(*examples[0]))

    def scalar(*args):
        out = case.fun(*args)
        # The real part makes a real-valued loss of complex outputs too (grad needs one).
        return sum(fnp.real((o * c).sum()) for o, c in zip(tree_flatten(out)[0],
                                                            tree_flatten(ct)[0]))

    g = fg.grad(scalar, argnums=argnum)
    in_axes = tuple(0 if flag else None for flag in flags)
    got = fg.vmap(g, in_axes=in_axes)(*_stack(examples, flags, 0))
    want = _loop(g, examples, flags, 0)
    _assert_tree_close(got, want, case, "vmap(grad(f))")
