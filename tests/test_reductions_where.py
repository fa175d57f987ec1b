"""``where=`` masks and ``mean=`` of the fnp reductions: the corners the table rows
(tests/tables/reductions.py, ``*_where*``) do not reach: empty selections, traced masks,
and the errors for bad masks."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.errors import ShapeError

X = np.array([[1.0, -2.0, 0.5, 3.0], [0.25, 4.0, -1.0, 2.0], [1.5, 0.0, 2.5, -0.5]])
MASK = np.array([[True, False, True, True], [False, False, False, False],
                 [True, True, False, True]])


@pytest.mark.parametrize("name", ["mean", "var", "std", "nanmean", "nanvar", "nanstd"])
def test_an_empty_selection_is_nan_without_a_warning(name):
    # the middle row selects nothing: NaN there, as NumPy and JAX (no 0 / 0 warning: the
    # suite turns RuntimeWarnings into errors)
    out = np.asarray(getattr(fnp, name)(X, axis=1, where=MASK))
    assert np.isnan(out[1]) and np.isfinite(out[[0, 2]]).all()
    expected = getattr(np, name)(X[0][MASK[0]])
    np.testing.assert_allclose(out[0], expected, rtol=1e-12)


def test_masked_entries_get_no_gradient():
    g = fg.grad(lambda x: fnp.nansum(fnp.mean(x, axis=1, where=MASK)))(X)
    np.testing.assert_allclose(np.asarray(g), MASK / np.maximum(MASK.sum(1, keepdims=True), 1))
    g = fg.grad(lambda x: fnp.max(x, where=MASK, initial=-10.0))(X)
    assert np.asarray(g)[0, 3] == 1.0 and np.asarray(g).sum() == 1.0  # 4.0 is masked out


def test_ddof_beyond_the_selection_is_nan():
    out = np.asarray(fnp.var(X, axis=1, ddof=3, where=MASK))
    np.testing.assert_allclose(out[[0, 2]], [np.nan, np.nan])  # 3 selected, ddof 3: 0 / 0
    out = np.asarray(fnp.var(X, axis=1, ddof=2, where=MASK))
    np.testing.assert_allclose(out[0], np.var(X[0][MASK[0]], ddof=2))


def test_a_traced_mask_under_jit_and_vmap():
    def f(x, m):
        return fnp.sum(x, where=m) + fnp.var(x, where=m) + fnp.max(x, where=m, initial=-9.0)

    expected = [float(f(x, m)) for x, m in zip(X, MASK)]
    np.testing.assert_allclose(np.asarray(fg.vmap(f)(X, MASK)), expected, equal_nan=True)
    np.testing.assert_allclose(float(fg.jit(f)(X[0], MASK[0])), expected[0])
    assert fg.jit(f)(X[2], MASK[2]) is not None


def test_all_and_any_treat_unselected_entries_as_their_identity():
    b = np.array([[True, False], [False, False]])
    m = np.array([[True, False], [False, False]])
    assert np.asarray(fnp.all(b, axis=1, where=m)).tolist() == [True, True]
    assert np.asarray(fnp.any(b, axis=1, where=m)).tolist() == [True, False]
    assert np.asarray(fnp.all(X, where=X > 0)).item() is True


def test_bad_masks_and_missing_initial_raise_what_jax_raises():
    with pytest.raises(ValueError, match="boolean mask.*float64"):
        fnp.sum(X, where=np.ones(4))
    with pytest.raises(ShapeError, match=r"where= of shape \(2, 4\).*\(3, 4\)"):
        fnp.mean(X, where=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="where= needs initial="):
        fnp.max(X, where=MASK)
    with pytest.raises(ValueError, match="where= needs initial="):
        fnp.nanmin(X, where=MASK)


def test_var_with_a_given_mean():
    mu = fnp.mean(X, axis=0, keepdims=True)
    np.testing.assert_allclose(np.asarray(fnp.var(X, axis=0, mean=mu)), np.var(X, axis=0))
    np.testing.assert_allclose(np.asarray(fnp.std(X, axis=0, mean=mu[0])), np.std(X, axis=0))
    with pytest.raises(ShapeError, match=r"mean= has shape \(3,\).*\(1, 4\)"):
        fnp.var(X, axis=0, mean=np.zeros(3))
