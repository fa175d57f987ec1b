"""Reductions, cumulative ops and sorting beyond the primitive table: dtypes, errors, ties,
zeros, tracer methods and higher derivatives."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError
from fungrad.lax.gather_scatter import take_along_axis
from fungrad.test_util import check_grads


def _jacobian(f, x):
    """Dense Jacobian d f(x) / d x by forward mode, one basis vector at a time."""
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1.0
        cols.append(np.asarray(fg.jvp(f, (x,), (e.reshape(x.shape),))[1]).ravel())
    return np.stack(cols, axis=-1).squeeze(0) if np.ndim(f(x)) == 0 else np.stack(cols, -1)


@pytest.mark.parametrize("fn, dtype, expected", [
    (fnp.sum, np.int32, np.int64), (fnp.sum, np.uint8, np.uint64), (fnp.sum, np.bool_, np.int64),
    (fnp.prod, np.int16, np.int64), (fnp.sum, np.float32, np.float32),
    (fnp.mean, np.int32, np.float64), (fnp.mean, np.float32, np.float32),
    (fnp.var, np.int64, np.float64), (fnp.std, np.bool_, np.float64),
    (fnp.cumsum, np.bool_, np.int64), (fnp.argmax, np.float32, np.int64),
    (fnp.max, np.int8, np.int8), (fnp.all, np.float64, np.bool_),
])
def test_result_dtypes(fn, dtype, expected):
    x = np.arange(1, 7).reshape(2, 3).astype(dtype)
    assert np.asarray(fn(x)).dtype == expected


def test_lax_reductions_keep_narrow_dtypes():
    x = np.ones((2, 3), np.int32)
    assert np.asarray(lax.reduce_sum(x, (0,))).dtype == np.int32
    assert np.asarray(lax.cumsum(x, 1)).dtype == np.int32


def test_empty_extreme_raises_and_initial_fixes_it():
    empty = np.zeros((3, 0))
    with pytest.raises(ValueError, match="fnp.max.*initial"):
        fnp.max(empty, axis=1)
    with pytest.raises(ValueError, match="fnp.argmin"):
        fnp.argmin(empty, axis=1)
    np.testing.assert_array_equal(fnp.max(empty, axis=1, initial=-1.0), [-1.0] * 3)
    np.testing.assert_array_equal(lax.reduce_max(empty, (1,)), [-np.inf] * 3)


def test_bad_axis_errors_name_the_function():
    x = np.ones((2, 3))
    with pytest.raises(ShapeError, match="fnp.sum"):
        fnp.sum(x, axis=2)
    with pytest.raises(ShapeError, match="repeated"):
        fnp.mean(x, axis=(0, -2))
    with pytest.raises(ShapeError, match="reduce_max"):
        fg.jvp(lambda y: lax.reduce_max(y, (2,)), (x,), (x,))
    with pytest.raises(ShapeError, match="sort: axis 2"):
        lax.sort(x, 2)
    with pytest.raises(ShapeError, match="take_along_axis.*other dimensions"):
        take_along_axis(x, np.zeros((2, 3, 1), np.int64), 1)
    with pytest.raises(ShapeError, match="take_along_axis.*other dimensions"):
        take_along_axis(x, np.zeros((3, 3), np.int64), 1)


def test_empty_axes_is_identity():
    x = np.random.default_rng(0).standard_normal((2, 3))
    for fn in (lax.reduce_sum, lax.reduce_max, lax.reduce_min, lax.reduce_prod):
        np.testing.assert_array_equal(fn(x, ()), x)
        t = np.ones_like(x)
        np.testing.assert_array_equal(fg.jvp(lambda y, fn=fn: fn(y, ()), (x,), (t,))[1], t)


def test_max_ties_split_gradient_evenly():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(fg.grad(fnp.max)(x),
                               [[0, 0.5, 0.5], [0, 0, 0]])
    np.testing.assert_allclose(fg.grad(lambda y: fnp.sum(fnp.min(y, axis=1)))(x),
                               [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])


def test_cummax_ties_share_tangent_like_reduce_max():
    x = np.array([1.0, 3.0, 3.0, 2.0, 3.0])
    t = np.array([1.0, 10.0, 100.0, 1000.0, 10000.0])
    _, fwd = fg.jvp(lax.cummax, (x,), (t,))
    np.testing.assert_allclose(fwd, [1, 10, 55, 55, 3370])
    _, rev = fg.jvp(lambda y: lax.cummax(y, reverse=True), (x,), (t,))
    np.testing.assert_allclose(rev, [3370, 3370, 5050, 10000, 10000])
    _, low = fg.jvp(lax.cummin, (-x,), (t,))
    np.testing.assert_allclose(low, fwd)


def test_prod_derivatives_exact_with_zeros():
    x = np.array([0.0, 2.0, 0.0, 3.0])
    np.testing.assert_allclose(_jacobian(fnp.prod, x), [0, 0, 0, 0])
    one_zero = np.array([0.0, 2.0, 5.0, 3.0])
    np.testing.assert_allclose(_jacobian(fnp.prod, one_zero), [30, 0, 0, 0])
    # Second derivatives through the JVP rule (which uses cumprod) are exact too.
    hessian = _jacobian(fg.grad(fnp.prod), x)
    expected = np.zeros((4, 4))
    expected[0, 2] = expected[2, 0] = 6.0
    np.testing.assert_allclose(hessian, expected)
    check_grads(lambda y: fnp.prod(y, axis=1), (np.array([[0.0, 2.0, 0.5], [1.0, 0.0, 3.0]]),),
                order=2)


def test_cumprod_jacobian_with_zeros():
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    jac = _jacobian(fnp.cumprod, x)
    expected = np.zeros((5, 5))
    expected[0, 0] = 1.0
    expected[1:3, 1] = [2.0, 6.0]  # d/dx1 of (2 x1, 2 x1 * 3)
    np.testing.assert_allclose(jac, expected)


def test_tracer_methods_route_to_fnp():
    x = np.arange(6.0).reshape(2, 3)

    def f(y):
        return y.sum(axis=0).mean() + y.max() - y.min(axis=1).sum() + y.var() + y.prod()

    expected = fg.grad(lambda y: (fnp.mean(fnp.sum(y, 0)) + fnp.max(y)
                                  - fnp.sum(fnp.min(y, axis=1)) + fnp.var(y)
                                  + fnp.prod(y)))(x)
    np.testing.assert_allclose(fg.grad(f)(x), expected)
    t = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    _, t_out = fg.jvp(lambda y: y.sort(axis=0), (x[::-1],), (t,))
    np.testing.assert_allclose(t_out, t[::-1])
    assert fg.grad(lambda y: y.cumsum().sum() + 0.0 * y.argmax())(x).shape == x.shape


def test_sort_gradient_follows_elements():
    x = np.array([3.0, 1.0, 2.0])
    g = fg.grad(lambda y: fnp.sum(fnp.sort(y) * np.array([1.0, 10.0, 100.0])))(x)
    np.testing.assert_allclose(g, [100.0, 1.0, 10.0])
    g_desc = fg.grad(lambda y: fnp.sum(fnp.sort(y, descending=True)
                                       * np.array([1.0, 10.0, 100.0])))(x)
    np.testing.assert_allclose(g_desc, [1.0, 100.0, 10.0])


def test_nan_handling_matches_numpy():
    x = np.array([[1.0, np.nan, 3.0], [0.0, -1.0, 2.0]])
    np.testing.assert_array_equal(fnp.max(x, axis=1), np.max(x, axis=1))
    np.testing.assert_array_equal(fnp.argmax(x, axis=1), np.argmax(x, axis=1))
    np.testing.assert_array_equal(fnp.sort(x), np.sort(x))
    np.testing.assert_array_equal(fnp.nansum(x, axis=1), np.nansum(x, axis=1))


def test_average_returned_and_errors():
    x = np.arange(6.0).reshape(2, 3)
    avg, total = fnp.average(x, axis=1, weights=np.array([1.0, 2.0, 3.0]), returned=True)
    ref_avg, ref_total = np.average(x, axis=1, weights=[1.0, 2.0, 3.0], returned=True)
    np.testing.assert_allclose(avg, ref_avg)
    np.testing.assert_allclose(total, ref_total)
    with pytest.raises(ShapeError, match="fnp.average"):
        fnp.average(x, axis=0, weights=np.ones(3))


def test_ir_prints_reductions():
    ir = fg.make_ir(lambda y: fnp.sum(fnp.cumsum(y, axis=0), axis=1))(np.ones((2, 3)))
    text = str(ir)
    assert "cumsum[axis=0, reverse=False]" in text and "reduce_sum[axes=(1,)]" in text
