"""select_n's eager impl: the branch-free bit select agrees bit for bit with np.where.

Large boolean selects of NumPy arrays pick bits through a mask word (np.where branches per
element and is 5-10x slower on an unpredictable mask such as a ReLU's).
"""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.interpreters.linearize import linearize_flat

N = 5000  # above the size where the bit select takes over
SPECIALS = [np.inf, -np.inf, np.nan, -0.0, 0.0]


def _cases(dtype):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(N) * 5).astype(dtype)
    b = (rng.standard_normal(N) * 5).astype(dtype)
    if np.dtype(dtype).kind in "fc":
        a[:5], b[:5] = SPECIALS, SPECIALS[::-1]
    zero = np.zeros((), dtype)
    return [(a, b), (np.broadcast_to(zero, a.shape), b), (a, zero[()]), (a, a[:1].reshape(()))]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int32, np.int8,
                                   np.uint64, np.bool_, np.complex64, np.complex128])
@pytest.mark.parametrize("size", [N, 10])
def test_select_matches_where_bit_for_bit(dtype, size):
    which = np.random.default_rng(1).standard_normal(N) > 0
    for false_case, true_case in _cases(dtype):
        f = false_case[:size] if np.ndim(false_case) else false_case
        t = true_case[:size] if np.ndim(true_case) else true_case
        got = lax.select_n(which[:size], f, t)
        want = np.where(which[:size], t, f)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(np.asarray(got).view(np.uint8), want.view(np.uint8))


def test_select_with_python_scalar_cases():
    which = np.arange(N) % 3 == 0
    got = lax.select_n(which, np.float32(1), np.float32(0.5))
    np.testing.assert_array_equal(got, np.where(which, np.float32(0.5), np.float32(1)))
    assert got.dtype == np.float32


def test_relu_backward_is_one_select_without_ties_and_adds_a_product_with_ties():
    x = np.random.default_rng(2).standard_normal(N)
    _, lin = linearize_flat(lambda x: [fnp.maximum(x, 0.0)], [x])
    assert sorted(e.prim.name for e in lin.ir.eqns) == ["select_n"]
    x[:3] = 0.0  # ties get half the derivative, as JAX
    _, lin = linearize_flat(lambda x: [fnp.maximum(x, 0.0)], [x])
    assert sorted(e.prim.name for e in lin.ir.eqns) == ["mul", "select_n"]
    g = fg.grad(lambda x: fnp.sum(fnp.maximum(x, 0.0)))(x)
    np.testing.assert_array_equal(g, np.where(x > 0, 1.0, np.where(x == 0, 0.5, 0.0)))
