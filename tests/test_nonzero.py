"""fnp.nonzero: eager and concrete without size; traced (jit/vmap) with JAX's size=."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.errors import ConcretizationError

A = np.array([[0, 1, 0], [2, 0, 3]])


def test_eager_and_concrete_nonzero_match_numpy():
    for got, want in zip(fnp.nonzero(A), np.nonzero(A)):
        np.testing.assert_array_equal(got, want)
    # under grad the argument is concrete: the count is known, as in JAX
    g = fg.grad(lambda x: x[fnp.nonzero(x)].sum() + x.nonzero()[0].shape[0])(
        np.array([0.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0])


@pytest.mark.parametrize("size, fill_value, want", [
    (5, None, ([0, 1, 1, 0, 0], [1, 0, 2, 0, 0])),
    (2, None, ([0, 1], [1, 0])),
    (5, -1, ([0, 1, 1, -1, -1], [1, 0, 2, -1, -1])),
    (4, (7, 8), ([0, 1, 1, 7], [1, 0, 2, 8])),
    (0, None, ([], [])),
])
def test_sized_nonzero_eager_and_jitted(size, fill_value, want):
    def sized(a):
        return fnp.nonzero(a, size=size, fill_value=fill_value)

    for f in (sized, fg.jit(sized)):
        got = f(A)
        assert len(got) == 2
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
            assert np.asarray(g).dtype == np.int64


def test_sized_nonzero_under_vmap_pads_each_row():
    rows = fg.vmap(lambda r: fnp.nonzero(r, size=2, fill_value=-1)[0])(A)
    np.testing.assert_array_equal(rows, [[1, -1], [0, 2]])


def test_traced_nonzero_without_size_names_the_fix():
    with pytest.raises(ConcretizationError, match=r"fnp.nonzero: .*Pass size=N"):
        fg.jit(fnp.nonzero)(A)
    with pytest.raises(ConcretizationError, match="size=N"):
        fg.vmap(fnp.nonzero)(A)


def test_nonzero_argument_errors():
    with pytest.raises(ValueError, match="rank-0"):
        fnp.nonzero(3.0)
    with pytest.raises(ValueError, match="fill_value needs size="):
        fnp.nonzero(A, fill_value=1)
    with pytest.raises(ValueError, match="fill_value has 3 entries"):
        fnp.nonzero(A, size=2, fill_value=(1, 2, 3))
    with pytest.raises(TypeError, match="size must be a non-negative Python int"):
        fnp.nonzero(A, size=-1)


def test_sized_nonzero_matches_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = np.array([[0.0, 1.5, 0.0, -2.0], [0.0, 0.0, 3.0, 0.0]])
    for size, fill in [(3, None), (6, -1), (8, (5, 6))]:
        ours = fg.jit(lambda x: fnp.nonzero(x, size=size, fill_value=fill))(x)
        ref = jax.jit(lambda x: jax.numpy.nonzero(x, size=size, fill_value=fill))(x)
        for a, b in zip(ours, ref):
            np.testing.assert_array_equal(a, np.asarray(b))
