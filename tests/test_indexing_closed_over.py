"""Indexing a closed-over fungrad array with a traced index (jit, vmap, grad), as JAX does.

``fnp.arange(10.)`` is an eager :class:`fungrad.numpy.Array`; NumPy's own indexing would try
to turn a traced index into a NumPy integer. Each case is written over a namespace ``np``
and run with fungrad and with JAX.
"""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp


def cases(api, npm):
    """name -> thunk returning arrays, for the namespace (api, npm)."""
    a = npm.arange(10.0)
    b = npm.arange(12.0).reshape(3, 4)
    idx = npm.array([0, 4, -1])
    return {
        "jit_scalar": lambda: api.jit(lambda i: a[i])(3),
        "jit_negative": lambda: api.jit(lambda i: a[i])(-2),
        "vmap_scalar": lambda: api.vmap(lambda i: a[i])(npm.arange(3)),
        "vmap_negative": lambda: api.vmap(lambda i: a[i])(idx),
        "jit_tuple": lambda: api.jit(lambda i, j: b[i, j])(2, 1),
        "jit_row_and_slice": lambda: api.jit(lambda i: b[i, 1:])(1),
        "vmap_column": lambda: api.vmap(lambda j: b[:, j])(npm.arange(4)),
        "jit_array_index": lambda: api.jit(lambda i: a[i])(idx),
        "jit_at_set": lambda: api.jit(lambda i: a.at[i].set(-1.0))(4),
        "jit_grad_wrt_a": lambda: api.jit(lambda i: api.grad(lambda a: a[i] ** 2)(a))(3),
        "vmap_grad_wrt_a": lambda: api.vmap(lambda i: api.grad(lambda a: a[i] ** 2)(a))(idx),
        "grad_wrt_a_jit_index": lambda: api.grad(lambda a: api.jit(lambda i: a[i] * b[1, i])(2))(
            a),
    }


FUNGRAD_CASES = cases(fg, fnp)


@pytest.mark.parametrize("name", list(FUNGRAD_CASES))
def test_traced_index_into_closed_over_array_matches_numpy(name):
    a, b = np.arange(10.0), np.arange(12.0).reshape(3, 4)
    expected = {
        "jit_scalar": a[3], "jit_negative": a[-2], "vmap_scalar": a[:3],
        "vmap_negative": a[[0, 4, -1]], "jit_tuple": b[2, 1], "jit_row_and_slice": b[1, 1:],
        "vmap_column": b.T, "jit_array_index": a[[0, 4, -1]],
        "jit_at_set": np.where(np.arange(10) == 4, -1.0, a),
        "jit_grad_wrt_a": np.where(np.arange(10) == 3, 6.0, 0.0),
        "vmap_grad_wrt_a": np.eye(10)[[0, 4, 9]] * a[[0, 4, 9]][:, None] * 2.0,
        "grad_wrt_a_jit_index": np.where(np.arange(10) == 2, b[1, 2], 0.0),
    }[name]
    np.testing.assert_allclose(FUNGRAD_CASES[name](), expected)


@pytest.mark.parametrize("name", list(FUNGRAD_CASES))
def test_traced_index_into_closed_over_array_matches_jax(name):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    ref = cases(jax, jax.numpy)[name]()
    np.testing.assert_allclose(FUNGRAD_CASES[name](), np.asarray(ref))


def test_traced_slice_bound_on_closed_over_array_names_dynamic_slice():
    a = fnp.arange(10.0)
    with pytest.raises(IndexError, match="dynamic_slice"):
        fg.jit(lambda i: a[i:])(1)


def test_eager_indexing_of_arrays_is_unchanged():
    a = fnp.arange(10.0)
    assert isinstance(a[2:5], fnp.Array) and a[3] == 3.0
    np.testing.assert_array_equal(a[np.array([1, 1])], [1.0, 1.0])
    # A plain ndarray's indexing is NumPy's: it cannot route a traced index (nor can JAX's).
    with pytest.raises(TypeError, match="Cannot convert a traced value"):
        fg.jit(lambda i: np.arange(10.0)[i])(3)
