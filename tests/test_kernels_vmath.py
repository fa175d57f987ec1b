"""The kernels' vector math against NumPy over the whole range.

Stated bounds (ulp = units in the last place, against NumPy's float64 result, rounded once
for float32): exp and log within 2 ulp in float64, tanh within 3, logistic within 2 (against
the exact ``1 / (1 + exp(-x))``, which NumPy's naive form underflows); float32 functions
within 1 ulp, logistic 2 (float32 tanh and logistic compute in float32: an exhaustive check
over every float32 found at most 1 and 2 ulp). Special values are exact: NaN stays NaN,
signed zeros keep their sign, infinities and the overflow and underflow thresholds give
NumPy's results, subnormals are handled.
"""

import numpy as np
import pytest

numba = pytest.importorskip("numba")
from fungrad.kernels.cpu import vmath  # noqa: E402 (needs numba)

BOUNDS = {("exp", "f64"): 2, ("log", "f64"): 2, ("tanh", "f64"): 3, ("logistic", "f64"): 2,
          ("exp", "f32"): 1, ("log", "f32"): 1, ("tanh", "f32"): 1, ("logistic", "f32"): 2}


def _reference(name, x64):
    with np.errstate(all="ignore"):
        if name == "logistic":
            e = np.exp(-np.abs(x64))
            return np.where(x64 >= 0, 1 / (1 + e), e / (1 + e))
        return getattr(np, name)(x64)


def _ulps(a, b):
    ints = np.int64 if a.dtype == np.float64 else np.int32
    ai, bi = a.view(ints).astype(np.int64), b.view(ints).astype(np.int64)
    lo = np.iinfo(ints).min
    ai = np.where(ai < 0, lo - ai, ai)  # a monotone map from floats to integers
    bi = np.where(bi < 0, lo - bi, bi)
    return np.where(np.isnan(a) & np.isnan(b), 0, np.abs(ai - bi))


def _grid(dtype):
    rng = np.random.default_rng(0)
    fi = np.finfo(dtype)
    parts = [rng.standard_normal(20000) * 3, rng.uniform(-800, 800, 20000),
             np.linspace(0, 2, 20001),  # around float32 tanh's split at 0.625
             np.geomspace(float(fi.smallest_subnormal), float(fi.max), 40000),
             [0.0, np.inf, np.nan, fi.tiny, fi.max, 1.0, 88.72, 88.73, 709.78, 709.79,
              745.13, 745.14, 103.97, 22.0, 9.0, 1e-9]]
    x = np.concatenate([np.asarray(p, np.float64) for p in parts])
    with np.errstate(all="ignore"):
        return np.concatenate([x, -x]).astype(dtype)


@pytest.mark.parametrize(("name", "suffix"), sorted(BOUNDS))
def test_within_ulp_bound(name, suffix):
    dtype = np.float64 if suffix == "f64" else np.float32
    f = getattr(vmath, f"vm_{name}_{suffix}")

    @numba.njit(error_model="numpy")
    def apply(x, out):
        for i in range(x.size):
            out[i] = f(x[i])

    x = _grid(dtype)
    out = np.empty_like(x)
    apply(x, out)
    ref = _reference(name, x.astype(np.float64)).astype(dtype)
    ulps = _ulps(out, ref)
    worst = int(np.argmax(ulps))
    assert ulps.max() <= BOUNDS[name, suffix], (x[worst], out[worst], ref[worst])
    assert np.array_equal(np.isnan(out), np.isnan(ref))
    zeros = out == 0
    assert np.array_equal(np.signbit(out[zeros]), np.signbit(ref[zeros]))


def test_max_min_propagate_nan_like_numpy():
    for a, b in [(1.0, np.nan), (np.nan, 1.0), (-0.0, 0.0), (2.0, 3.0)]:
        assert np.array_equal(vmath.vm_max(a, b), np.maximum(a, b), equal_nan=True)
        assert np.array_equal(vmath.vm_min(a, b), np.minimum(a, b), equal_nan=True)
