"""Shape errors in contractions are TypeErrors (as in JAX) and still ValueErrors (NumPy)."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError

A23, B45 = np.ones((2, 3)), np.ones((4, 5))
CASES = {
    "matmul": (lambda np_: np_.matmul(A23, B45), r"\(2, 3\) and \(4, 5\)"),
    "dot": (lambda np_: np_.dot(A23, B45), r"\(2, 3\) and \(4, 5\)"),
    "dot_1d": (lambda np_: np_.dot(np.ones(3), np.ones(4)), r"\(3,\) and \(4,\)"),
    "inner": (lambda np_: np_.inner(np.ones(3), np.ones(4)), r"\(3,\) and \(4,\)"),
    "tensordot": (lambda np_: np_.tensordot(A23, B45, axes=1), r"\(2, 3\) and \(4, 5\)"),
    "einsum": (lambda np_: np_.einsum("ij,jk->ik", A23, B45), r"\(2, 3\), \(4, 5\)"),
    "matmul_batch": (lambda np_: np_.matmul(np.ones((2, 2, 3)), np.ones((3, 3, 4))),
                     r"\(2, 2, 3\) and \(3, 3, 4\)"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_contraction_shape_error_is_a_type_error_naming_both_shapes(name):
    fun, shapes = CASES[name]
    with pytest.raises(TypeError, match=shapes) as info:
        fun(fnp)
    assert isinstance(info.value, ShapeError) and isinstance(info.value, ValueError)
    with pytest.raises(TypeError, match=shapes):  # staged: the same error at trace time
        fg.jit(lambda: fun(fnp))()


@pytest.mark.parametrize("name", list(CASES))
def test_jax_raises_an_error_of_the_same_kind(name):
    jax = pytest.importorskip("jax")
    fun, _ = CASES[name]
    with pytest.raises((TypeError, ValueError)) as info:
        fun(jax.numpy)
    # JAX raises TypeError for misfitting contractions, ValueError for einsum labels and
    # matmul batch shapes: ShapeError is both, so either `except` in ported code catches it.
    with pytest.raises(type(info.value)):
        fun(fnp)


def test_dot_general_and_operator_under_transforms():
    dims = (((1,), (0,)), ((), ()))
    with pytest.raises(TypeError, match=r"lhs shape \(2, 3\), rhs shape \(4, 5\)"):
        lax.dot_general(A23, B45, dims)
    with pytest.raises(TypeError, match=r"\(2, 3\) and \(4, 5\)"):
        fg.grad(lambda a: fnp.sum(a @ B45))(A23)
    with pytest.raises(TypeError, match=r"\(3,\) and \(4,\)"):
        fg.vmap(lambda a: fnp.dot(a, np.ones(4)))(A23)
