"""jacfwd(f) == jacrev(f) (to 1e-10, float64) over the primitive test table, and with
holomorphic=True over the rows tagged holomorphic (complex arguments)."""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.tree_util import tree_flatten, tree_map
from tests.test_primitive_table import CASES

ROWS = [c for c in CASES if c.diff and c.order > 0 and c.batch and "rev" in c.modes]


def _real_valued(fun):
    """``fun`` with each complex output split into ``(real, imag)``: jacrev, as JAX's,
    needs real outputs (``holomorphic=True`` fits only holomorphic rows)."""

    def split(*args):
        return tree_map(lambda o: (fnp.real(o), fnp.imag(o)) if fnp.iscomplexobj(o) else o,
                        fun(*args))

    return split


def _argnums(case, dtype) -> tuple:
    """The drawn arguments of ``dtype`` (decided at collection: rows without one do not
    generate the cell)."""
    args = case.draw_args()
    return tuple(i for i, a in enumerate(args)
                 if case.args[i].value is None and np.asarray(a).dtype == dtype)


@pytest.mark.parametrize("case", [c for c in ROWS if _argnums(c, np.float64)],
                         ids=lambda c: c.name)
def test_jacfwd_equals_jacrev(case):
    args = case.draw_args()
    argnums = _argnums(case, np.float64)
    fun = _real_valued(case.fun)
    forward = fg.jacfwd(fun, argnums=argnums)(*args)
    reverse = fg.jacrev(fun, argnums=argnums)(*args)
    f_leaves, f_tree = tree_flatten(forward)
    r_leaves, r_tree = tree_flatten(reverse)
    assert f_tree == r_tree
    for a, b in zip(f_leaves, r_leaves):
        np.testing.assert_allclose(a, b, atol=1e-10, rtol=1e-10, err_msg=case.name)


@pytest.mark.parametrize("case", [c for c in ROWS if "holomorphic" in c.tags
                                  and _argnums(c, np.complex128)], ids=lambda c: c.name)
def test_holomorphic_jacfwd_equals_jacrev(case):
    args = case.draw_args()
    argnums = _argnums(case, np.complex128)
    forward = fg.jacfwd(case.fun, argnums=argnums, holomorphic=True)(*args)
    reverse = fg.jacrev(case.fun, argnums=argnums, holomorphic=True)(*args)
    f_leaves, f_tree = tree_flatten(forward)
    r_leaves, r_tree = tree_flatten(reverse)
    assert f_tree == r_tree
    for a, b in zip(f_leaves, r_leaves):
        np.testing.assert_allclose(a, b, atol=1e-10, rtol=1e-10, err_msg=case.name)
