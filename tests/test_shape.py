"""Shape primitives, shape functions and creation: errors, NumPy edge cases, tracer methods.

The derivative checks of every function live in tests/tables/shape.py and creation.py; this
file covers what a table row cannot: error messages, NumPy-only semantics (where JAX
differs or lacks a feature), staging, and the tracer-method routes.
"""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.core import ShapedArray
from fungrad.errors import ConcretizationError, ShapeError

X = np.arange(12.0).reshape(3, 4)


def _element(x, i, j):
    """``x[i, j]`` through lax (this file does not depend on the indexing family)."""
    return lax.reshape(lax.slice(x, (i, j), (i + 1, j + 1)), ())


def _aval(*shape):
    return ShapedArray(shape, np.float64)


# ---------------------------------------------------------------------------------------
# lax abstract_eval errors name the primitive and the shapes


@pytest.mark.parametrize("prim, avals, params, words", [
    (lax.squeeze_p, [_aval(3, 4)], {"dimensions": (0,)}, ["squeeze", "(3, 4)", "size 1"]),
    (lax.expand_dims_p, [_aval(3)], {"dimensions": (2,)}, ["expand_dims", "(3,)"]),
    (lax.rev_p, [_aval(3)], {"dimensions": (1,)}, ["rev", "(3,)"]),
    (lax.pad_p, [_aval(3), _aval()], {"padding_config": ((0, 0, 0), (0, 0, 0))},
     ["pad", "(3,)"]),
    (lax.pad_p, [_aval(3), _aval()], {"padding_config": ((-3, -1, 0),)},
     ["pad", "negative size"]),
    (lax.pad_p, [_aval(3), _aval(1)], {"padding_config": ((0, 0, 0),)}, ["rank 0"]),
    (lax.concatenate_p, [_aval(3, 4), _aval(2, 3)], {"dimension": 0},
     ["concatenate", "(3, 4), (2, 3)"]),
    (lax.slice_p, [_aval(3, 4)],
     {"start_indices": (0, 2), "limit_indices": (3, 5), "strides": (1, 1)}, ["slice", "(3, 4)"]),
    (lax.iota_p, [], {"dtype": np.dtype(np.int64), "shape": (3,), "dimension": 1}, ["iota"]),
])
def test_abstract_eval_errors(prim, avals, params, words):
    with pytest.raises(ShapeError) as info:
        prim.abstract_eval(*avals, **params)
    for word in words:
        assert word in str(info.value)


def test_staging_reports_shapes():
    ir = fg.make_ir(lambda x: lax.pad(lax.slice(x, (0, 1), (3, 4), (2, 2)), 0.0,
                                      ((1, 0, 1), (0, 1, 0))))(X)
    assert "slice" in str(ir) and "pad" in str(ir)
    assert ir.out_avals[0].shape == (4, 3)


def test_eager_errors_name_function_and_shapes():
    with pytest.raises(ShapeError, match=r"fnp.reshape.*\(3, 4\).*into shape \(5, -1\)"):
        fnp.reshape(X, (5, -1))
    with pytest.raises(ShapeError, match=r"fnp.squeeze.*axis 1.*\(3, 4\)"):
        fnp.squeeze(X, 1)
    with pytest.raises(ShapeError, match=r"fnp.broadcast_to.*\(3, 4\).*\(2, 4\)"):
        fnp.broadcast_to(X, (2, 4))
    with pytest.raises(ShapeError, match=r"fnp.concatenate.*\(3, 4\), \(3, 2\).*axis 0"):
        fnp.concatenate([X, X[:, :2]])
    with pytest.raises(ShapeError, match=r"fnp.stack.*same shape"):
        fnp.stack([X, X[:2]])
    with pytest.raises(ShapeError, match=r"fnp.split.*size 4.*3 equal"):
        fnp.split(X, 3, axis=1)
    with pytest.raises(ShapeError, match=r"fnp.transpose: axes=2 is out of range"):
        fnp.transpose(X, (0, 2))
    with pytest.raises(ShapeError, match=r"fnp.tril.*rank >= 2"):
        fnp.tril(X[0])
    with pytest.raises(ShapeError, match=r"fnp.diag.*1-D or 2-D"):
        fnp.diag(np.zeros((2, 2, 2)))
    with pytest.raises(ShapeError, match=r"fnp.moveaxis: repeated"):
        fnp.moveaxis(X, (0, 0), (1, 0))


def test_traced_sizes_must_be_static():
    def roll_by_x01(x):
        return fnp.roll(x, lax.convert_element_type(_element(x, 0, 1), np.int64))

    # Under jvp the shift is concrete, so this works like NumPy.
    out, _ = fg.jvp(roll_by_x01, (X,), (np.ones_like(X),))
    np.testing.assert_array_equal(out, np.roll(X, 1))
    staged = fg.make_ir(roll_by_x01)
    with pytest.raises(ConcretizationError, match="fnp.roll: shift must be a static integer"):
        staged(X)
    with pytest.raises(ConcretizationError, match="fnp.arange: stop must be static"):
        fg.make_ir(lambda n: fnp.arange(0, n))(3)


# ---------------------------------------------------------------------------------------
# NumPy semantics beyond the table (JAX lacks or differs)


@pytest.mark.parametrize("mode", ["reflect", "symmetric", "wrap", "edge"])
def test_pad_modes_wider_than_array(mode):
    v = np.arange(3.0)
    np.testing.assert_array_equal(fnp.pad(v, (7, 5), mode=mode), np.pad(v, (7, 5), mode=mode))
    np.testing.assert_array_equal(fnp.pad(X, ((0, 4), (5, 1)), mode=mode),
                                  np.pad(X, ((0, 4), (5, 1)), mode=mode))


def test_pad_width_forms_and_int_arrays():
    i = np.arange(6).reshape(2, 3)
    for width in [1, (2,), (1, 2), ((1, 2),), ((1, 2), (0, 3))]:
        np.testing.assert_array_equal(fnp.pad(i, width, constant_values=7),
                                      np.pad(i, width, constant_values=7))
    np.testing.assert_array_equal(fnp.pad(i, 1, constant_values=2.7), np.pad(i, 1,
                                                                              constant_values=2.7))
    assert fnp.pad(i, 1).dtype == np.int64
    np.testing.assert_array_equal(fnp.pad(i, 1, mode="mean"), np.pad(i, 1, mode="mean"))
    with pytest.raises(NotImplementedError, match="mode='average'"):
        fnp.pad(i, 1, mode="average")


def test_pad_gradient_wrt_constant_value():
    padded = lambda v: fnp.pad(X, ((1, 0), (2, 1)), constant_values=v)
    g = fg.grad(lambda v: lax.reduce_sum(padded(v) ** 2, (0, 1)))(3.0)
    padded_count = 4 * 7 - 12
    np.testing.assert_allclose(g, 2 * 3.0 * padded_count)


def test_split_negative_and_out_of_range_indices():
    for cuts in ([1, -1], [-10, 2], [3, 1], [2, 10]):
        ours, ref = fnp.split(X, cuts, axis=1), np.split(X, cuts, axis=1)
        assert [o.shape for o in ours] == [r.shape for r in ref]
        for o, r in zip(ours, ref):
            np.testing.assert_array_equal(o, r)


def test_zero_size_and_edge_cases():
    empty = np.zeros((0, 3))
    assert fnp.concatenate([empty, np.ones((2, 3))]).shape == (2, 3)
    assert fnp.repeat(np.ones(0), 3).shape == (0,)
    assert fnp.repeat(X, 0, axis=1).shape == (3, 0)
    assert fnp.diagonal(X, 5).shape == (0,)
    assert fnp.diag(np.ones(0)).shape == (0, 0)
    np.testing.assert_array_equal(fnp.diag(np.ones(0), 2), np.diag(np.ones(0), 2))
    assert fnp.roll(np.ones((0, 2)), 3, axis=0).shape == (0, 2)
    np.testing.assert_array_equal(fnp.tile(np.arange(3), (2, 0)), np.tile(np.arange(3), (2, 0)))
    assert lax.slice(X, (1, 2), (1, 2)).shape == (0, 0)
    np.testing.assert_array_equal(fnp.linspace(0, 1, 0), np.linspace(0, 1, 0))
    np.testing.assert_array_equal(fnp.array_split(np.arange(7.0), 3)[0], [0.0, 1.0, 2.0])


def test_slice_transpose_with_remainders():
    # Cotangent of a strided slice lands on the picked elements only, trailing ones zero.
    _, pullback = fg.vjp(lambda x: lax.slice(x, (1, 0), (6, 7), (3, 4)), np.ones((7, 8)))
    (ct,) = pullback(np.arange(1.0, 5.0).reshape(2, 2))
    expected = np.zeros((7, 8))
    expected[1:6:3, 0:7:4] = np.arange(1.0, 5.0).reshape(2, 2)
    np.testing.assert_array_equal(ct, expected)


def test_creation_dtypes_and_values():
    assert fnp.arange(5).dtype == np.int64 and isinstance(fnp.arange(5), fnp.Array)
    assert fnp.arange(1.0, 2.0, 0.25).dtype == np.float64
    np.testing.assert_array_equal(fnp.arange(1, 8, 3), np.arange(1, 8, 3))
    for args, kw in [((0, 1, 5), {}), ((2, -3, 4), {"endpoint": False}),
                     ((0, 10, 7), {"dtype": int}), ((0.0, 1.0, 1), {}),
                     ((np.zeros(2), np.ones((3, 1)), 4), {"axis": 1}),
                     ((1.0, 2.0, 3), {"dtype": np.float32})]:
        ours, ref = fnp.linspace(*args, **kw), np.linspace(*args, **kw)
        assert ours.dtype == ref.dtype and ours.shape == ref.shape
        np.testing.assert_allclose(ours, ref, rtol=1e-15)
    samples, step = fnp.linspace(0.0, 2.0, 5, retstep=True)
    assert step == 0.5 and isinstance(samples, fnp.Array)
    assert np.isnan(fnp.linspace(0.0, 2.0, 1, retstep=True)[1])
    assert fnp.eye(3, dtype=int).dtype == np.int64
    np.testing.assert_array_equal(fnp.identity(3), np.identity(3))
    assert fnp.tri(3).dtype == np.float64
    for kw in [{}, {"indexing": "ij"}, {"sparse": True}]:
        ours = fnp.meshgrid(np.arange(3), np.arange(4.0), np.arange(2), **kw)
        ref = np.meshgrid(np.arange(3), np.arange(4.0), np.arange(2), **kw)
        for o, r in zip(ours, ref):
            assert isinstance(o, fnp.Array) and o.shape == r.shape and o.flags.writeable
            np.testing.assert_array_equal(o, r)


def test_linspace_gradient_wrt_endpoints():
    # d/dstart sum(linspace(start, stop, n)) = n / 2 for the symmetric ramp.
    g = fg.grad(lambda a, b: lax.reduce_sum(fnp.linspace(a, b, 5), (0,)), argnums=(0, 1))
    np.testing.assert_allclose(g(0.0, 1.0), (2.5, 2.5))


def test_array_of_tracers_and_tracer_methods():
    def f(x):
        rows = fnp.array([[_element(x, 0, 0), _element(x, 1, 1)], [2.0, _element(x, 2, 3)]])
        y = x.T.reshape(2, 6).ravel().reshape((3, 4)).squeeze()
        return rows, y.trace(), y.diagonal(1), y.repeat(2, axis=0), y.swapaxes(0, 1)

    out, tangents = fg.jvp(f, (X,), (np.ones_like(X),))
    y = X.T.reshape(2, 6).ravel().reshape((3, 4))
    np.testing.assert_array_equal(out[0], [[0.0, 5.0], [2.0, 11.0]])
    np.testing.assert_array_equal(tangents[0], [[1.0, 1.0], [0.0, 1.0]])
    np.testing.assert_array_equal(out[1], y.trace())
    np.testing.assert_array_equal(out[2], y.diagonal(1))
    np.testing.assert_array_equal(out[3], y.repeat(2, axis=0))
    np.testing.assert_array_equal(out[4], y.swapaxes(0, 1))


def test_shape_queries():
    assert fnp.ndim([[1, 2]]) == 2 and fnp.shape(3.0) == () and fnp.size(X) == 12
    assert fnp.size(X, -1) == 4 and fnp.broadcast_shapes((3, 1), (4,), 1) == (3, 4)
    fg.jvp(lambda x: _assert_static(fnp.shape(x), fnp.ndim(x), fnp.size(x, 0)), (X,), (X,))


def _assert_static(shape, ndim, size):
    assert shape == (3, 4) and ndim == 2 and size == 3
    return np.zeros(())
