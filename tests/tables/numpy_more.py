"""Table rows: the rest of the names jax.numpy shares with NumPy (floating-point
representation, bits, gcd/lcm, windows, polynomials, histograms, index tricks, insert/
delete/put/place, set and sort extras, piecewise, ufuncs, ...).

Each row is written once over the namespace: ``make(np_like)`` builds the function from
``fnp`` and, for the comparison, from ``jax.numpy``. Rows of value-dependent shapes that
need concrete values (``trim_zeros``, ``roots`` with ``strip_zeros``) are not batched or
jitted (``batch=False``), and where a perturbation would move a zero (and so the shape)
they are compared with JAX only (``order=0``); integer and boolean results are value rows
(``diff=False``).
"""

import numpy as np

import fungrad.numpy as fnp
from tests.tables.spec import A, C, Case, Const, Int, Point, Pos

S = (3, 4)


def _both(name: str, make, args, **kw) -> Case:
    """A row whose fungrad function is ``make(fnp)`` and whose reference is ``make(jnp)``."""
    return Case(name, make(fnp), args, jax=lambda jnp, lax: make(jnp), **kw)


# jnp.frexp is off for subnormals (frexp(1e-310) is (0.5, -1029), frexp(5e-324) has exponent
# -1074), so its row keeps to normal numbers; tests/test_numpy_more.py checks subnormals
# against NumPy.
SPECIAL_FLOATS = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 2.2250738585072014e-308,
                  1.7976931348623157e308, 1.0, -0.75, 3.0]
NORMAL_FLOATS = [f for f in SPECIAL_FLOATS if f != 5e-324]

FLOATS = [
    _both("fnp.frexp_mantissa", lambda m: lambda x: m.frexp(x)[0], [A(*S, low=-9.0, high=9.0)]),
    _both("fnp.frexp_values", lambda m: m.frexp, [Point(NORMAL_FLOATS)], diff=False),
    _both("fnp.nextafter", lambda m: m.nextafter, [A(*S), A(*S)], diff=False),
    _both("fnp.nextafter_special", lambda m: lambda x: (m.nextafter(x, np.inf),
                                                        m.nextafter(x, -np.inf),
                                                        m.nextafter(x, 0.0)),
          [Point(SPECIAL_FLOATS)], diff=False),
    _both("fnp.spacing", lambda m: m.spacing, [Point(SPECIAL_FLOATS)], diff=False),
    _both("fnp.spacing_float32", lambda m: lambda x: m.spacing(x.astype(np.float32)),
          [A(*S, low=-1e3, high=1e3)], diff=False),
    _both("fnp.i0", lambda m: m.i0, [A(*S, low=-4.0, high=4.0)]),
    _both("fnp.kaiser", lambda m: lambda beta: m.kaiser(7, beta), [Pos(low=0.5, high=6.0)]),
    _both("fnp.pow", lambda m: m.pow, [Pos(*S), A(*S)]),
]

INTEGERS = [
    _both("fnp.gcd", lambda m: m.gcd, [Int(*S, low=-40, high=40), Int(4, low=-12, high=12)],
          diff=False),
    _both("fnp.lcm", lambda m: m.lcm, [Int(*S, low=-40, high=40), Int(4, low=-12, high=12)],
          diff=False),
    _both("fnp.bitwise_count", lambda m: m.bitwise_count, [Int(*S, low=-1000, high=1000)],
          diff=False),
    _both("fnp.bitwise_count_uint8", lambda m: m.bitwise_count,
          [Int(*S, high=256, dtype="uint8")], diff=False),
    _both("fnp.bitwise_invert", lambda m: m.bitwise_invert, [Int(*S, low=-9, high=9)],
          diff=False),
    _both("fnp.bitwise_shifts", lambda m: lambda x, y: (m.bitwise_left_shift(x, y),
                                                        m.bitwise_right_shift(x, y)),
          [Int(*S, low=-99, high=99), Int(4, high=6)], diff=False),
    *[_both(f"fnp.packbits_axis={axis}_{order}",
            lambda m, axis=axis, order=order: lambda x: m.packbits(x, axis, order),
            [Int(3, 11, high=2)], diff=False)
      for axis, order in [(None, "big"), (1, "little"), (0, "big")]],
    *[_both(f"fnp.unpackbits_count={count}",
            lambda m, count=count: lambda x: m.unpackbits(x, axis=1, count=count),
            [Int(2, 3, high=256, dtype="uint8")], diff=False)
      for count in [None, 5, -3, 30]],
    *[_both(f"fnp.ravel_multi_index_{mode}_{order}",
            lambda m, mode=mode, order=order: lambda i, j: m.ravel_multi_index(
                (i, j), (3, 4), mode=mode, order=order),
            [Int(5, low=-2, high=6), Int(5, low=-2, high=6)], diff=False)
      for mode, order in [("clip", "C"), ("wrap", "F")]],
    _both("fnp.flatnonzero_size", lambda m: lambda x: m.flatnonzero(x > 0.5, size=6,
                                                                   fill_value=-1),
          [A(*S)], diff=False),
    _both("fnp.setxor1d_size", lambda m: lambda a, b: m.setxor1d(a, b, size=8),
          [Int(6, high=6), Int(4, high=6)], diff=False),
    _both("fnp.setxor1d_fill", lambda m: lambda a, b: m.setxor1d(a, b, size=8, fill_value=-1),
          [Int(6, high=6), Int(4, high=6)], diff=False),
    _both("fnp.array_equiv", lambda m: lambda x: (m.array_equiv(x, x[:1] + 0 * x),
                                                  m.array_equiv(x[0], x)),
          [A(*S)], diff=False),
    _both("fnp.iscomplex", lambda m: lambda z: m.iscomplex(m.where(z.real > 0, z.real, z)),
          [C(*S)], diff=False),
    # jnp.argpartition returns int32 even with x64; fungrad's indices are int64 (NumPy's).
    _both("fnp.argpartition_kth", lambda m: lambda x: m.argpartition(x, 2)[..., 2].astype(
        np.int64), [A(*S)], diff=False),
]

POLYNOMIALS = [
    _both("fnp.polyadd", lambda m: m.polyadd, [A(3), A(5)]),
    _both("fnp.polysub", lambda m: m.polysub, [A(5), A(2)]),
    _both("fnp.polymul", lambda m: m.polymul, [A(3), A(4)]),
    _both("fnp.polymul_trim", lambda m: lambda a, b: m.polymul(a, b, trim_leading_zeros=True),
          [Const(np.array([0, 3, -2])), A(3)], batch=False),
    _both("fnp.polydiv", lambda m: m.polydiv, [A(5), Pos(3)]),
    _both("fnp.polydiv_short", lambda m: m.polydiv, [A(2), Pos(3)]),
    *[_both(f"fnp.polyder_m={k}", lambda m, k=k: lambda p: m.polyder(p, k), [A(5)])
      for k in [1, 2, 6]],
    _both("fnp.polyint", lambda m: m.polyint, [A(4)]),
    _both("fnp.polyint_k", lambda m: lambda p, k: m.polyint(p, m=2, k=k), [A(4), A(2)]),
    _both("fnp.polyint_k_scalar", lambda m: lambda p, k: m.polyint(p, m=3, k=k), [A(3), A()]),
    _both("fnp.poly", lambda m: m.poly, [A(4)]),
    _both("fnp.poly_matrix", lambda m: lambda a: m.poly(a + 3 * m.eye(3) * m.arange(3)),
          [A(3, 3, low=-0.3, high=0.3)]),
    # Distinct real roots, sorted, so that the order cannot differ from JAX's.
    _both("fnp.roots", lambda m: lambda r: m.sort_complex(m.roots(m.poly(r * 0.2 + m.arange(4.0)),
                                                                  strip_zeros=False)),
          [A(4, low=-1.0, high=1.0)], atol=1e-7),
    _both("fnp.roots_strip", lambda m: lambda p: m.sort_complex(m.roots(p)),
          [Point([0.0, 1.0, -6.0, 11.0, -6.0, 0.0])], batch=False, atol=1e-7, order=0),
    *[_both(f"fnp.vander_{label}", lambda m, kw=kw: lambda x: m.vander(x, **kw), [A(4)])
      for label, kw in [("square", {}), ("N=3", {"N": 3}), ("increasing", {"increasing": True})]],
    _both("fnp.polyfit", lambda m: lambda x, y: m.polyfit(x, y, 2), [A(8), A(8)]),
    _both("fnp.polyfit_weights", lambda m: lambda x, y, w: m.polyfit(x, y, 3, w=w),
          [A(8), A(8), Pos(8)]),
    _both("fnp.polyfit_2d", lambda m: lambda x, y: m.polyfit(x, y, 1), [A(6), A(6, 2)]),
    _both("fnp.polyfit_full", lambda m: lambda x, y: m.polyfit(x, y, 2, full=True)[:2],
          [A(8), A(8)]),
    _both("fnp.polyfit_cov", lambda m: lambda x, y: m.polyfit(x, y, 2, cov=True),
          [A(8), A(8)]),
]

SAMPLES = np.random.default_rng(7).normal(size=20)

HISTOGRAMS = [
    _both("fnp.histogram_weights", lambda m: lambda w: m.histogram(SAMPLES, bins=4, weights=w),
          [A(20)]),
    _both("fnp.histogram_density", lambda m: lambda a: m.histogram(a, bins=3, density=True),
          [A(9)]),
    _both("fnp.histogram_edges", lambda m: lambda e, w: m.histogram(
        SAMPLES, bins=m.sort(e), weights=w, density=True), [A(5, low=-1.5, high=1.5), Pos(20)]),
    _both("fnp.histogram_range", lambda m: lambda w: m.histogram(
        SAMPLES, bins=5, range=(-1.0, 1.0), weights=w)[0], [A(20)]),
    _both("fnp.histogram_bin_edges", lambda m: lambda a: m.histogram_bin_edges(a, bins=4),
          [A(9)]),
    _both("fnp.histogram2d", lambda m: lambda x, w: m.histogram2d(
        x, SAMPLES[:6], bins=(2, 3), weights=w, density=True), [A(6), Pos(6)]),
    _both("fnp.histogramdd", lambda m: lambda w: m.histogramdd(
        SAMPLES.reshape(10, 2), bins=[2, 3], weights=w)[0], [A(10)]),
]

ARRAYS = [
    _both("fnp.partition", lambda m: lambda x: (m.sort(m.partition(x, 2)[..., :3], axis=-1),
                                                m.partition(x, 2)[..., 2]), [A(*S)]),
    _both("fnp.partition_axis0", lambda m: lambda x: m.partition(x, 1, axis=0)[1], [A(*S)]),
    _both("fnp.sort_complex", lambda m: m.sort_complex, [C(2, 5)]),
    _both("fnp.sort_complex_real", lambda m: m.sort_complex, [A(6)]),
    _both("fnp.insert_scalar", lambda m: lambda x, v: m.insert(x, 2, v, axis=1), [A(*S), A()]),
    _both("fnp.insert_block", lambda m: lambda x, v: m.insert(x, 1, v, axis=0), [A(*S), A(4)]),
    _both("fnp.insert_positions", lambda m: lambda x, v: m.insert(x, np.array([3, 0, 3]), v),
          [A(5), A(3)]),
    _both("fnp.insert_slice", lambda m: lambda x: m.insert(x, slice(0, 4, 2), 0.5, axis=1),
          [A(*S)]),
    _both("fnp.delete", lambda m: lambda x: m.delete(x, np.array([0, 2]), axis=1), [A(*S)]),
    _both("fnp.delete_flat", lambda m: lambda x: m.delete(x, 5), [A(*S)]),
    _both("fnp.delete_assume_unique", lambda m: lambda x: m.delete(
        x, np.array([3, 1]), assume_unique_indices=True), [A(6)]),
    _both("fnp.put", lambda m: lambda x, v: m.put(x, np.array([0, 5, 11]), v, inplace=False),
          [A(*S), A(3)]),
    _both("fnp.put_wrap", lambda m: lambda x, v: m.put(x, np.array([13, -1]), v, mode="wrap",
                                                      inplace=False), [A(*S), A(2)]),
    _both("fnp.place", lambda m: lambda x, v: m.place(x, np.arange(12).reshape(S) % 5 == 0, v,
                                                     inplace=False), [A(*S), A(2)]),
    _both("fnp.block", lambda m: lambda a, b, c: m.block([[a, b], [c]]),
          [A(2, 3), A(2, 1), A(1, 4)]),
    _both("fnp.r_", lambda m: lambda a, b: m.r_[a, 0.5, b, -1:1:3j], [A(3), A(2)]),
    _both("fnp.r_directive", lambda m: lambda a, b: m.r_["0,2,0", a, b], [A(3), A(3)]),
    _both("fnp.c_", lambda m: lambda a, b: m.c_[a, b, a], [A(3), A(3)]),
    _both("fnp.rollaxis", lambda m: lambda x: m.rollaxis(x, 2, 1), [A(2, 3, 4)]),
    _both("fnp.trim_zeros", lambda m: lambda x: m.trim_zeros(x),
          [Point([0.0, 0.0, 1.5, 0.0, -2.0, 0.0])], batch=False, order=0),
    _both("fnp.trim_zeros_front", lambda m: lambda x: m.trim_zeros(x, "f"),
          [Point([0.0, 0.0, 1.5, 0.0, -2.0, 0.0])], batch=False, order=0),
    _both("fnp.ediff1d", lambda m: lambda x, b: m.ediff1d(x, to_end=b, to_begin=-1.0),
          [A(*S), A(2)]),
    *[_both(f"fnp.unwrap_{label}", lambda m, kw=kw: lambda p: m.unwrap(p, **kw),
            [A(*S, low=-9.0, high=9.0)]) for label, kw in [
                ("", {}), ("axis0", {"axis": 0}), ("period", {"period": 4.0, "discont": 3.0})]],
    _both("fnp.apply_over_axes", lambda m: lambda x: m.apply_over_axes(m.sum, x, [0, 2]),
          [A(2, 3, 4)]),
    _both("fnp.piecewise", lambda m: lambda x: m.piecewise(
        x, [x < -0.5, x > 0.5], [lambda v: v ** 2, lambda v: -v, 0.3]), [A(*S)]),
    _both("fnp.piecewise_default", lambda m: lambda x: m.piecewise(
        x, [x > 0], [lambda v: m.log(v)]), [Pos(*S)]),
    _both("fnp.matvec", lambda m: m.matvec, [A(2, 3, 4), A(4)]),
    _both("fnp.vecmat", lambda m: m.vecmat, [C(3), C(2, 3, 4)]),
    _both("fnp.fromfunction", lambda m: lambda x: m.fromfunction(lambda i, j: x * i + j ** 2,
                                                                 (3, 4)), [A()]),
    _both("fnp.ufunc_reduce", lambda m: lambda x: m.frompyfunc(
        lambda a, b: a * b + a, 2, 1).reduce(x, axis=1), [A(*S)]),
    _both("fnp.ufunc_reduce_all", lambda m: lambda x: m.frompyfunc(
        lambda a, b: a * b, 2, 1, identity=1.0).reduce(x, axis=None, keepdims=True), [A(*S)]),
    _both("fnp.ufunc_accumulate", lambda m: lambda x: m.frompyfunc(
        lambda a, b: m.maximum(a, b) + 0.1 * b, 2, 1).accumulate(x, axis=1), [A(*S)]),
    _both("fnp.ufunc_outer", lambda m: lambda x, y: m.frompyfunc(
        lambda a, b: a * m.sin(b), 2, 1).outer(x, y), [A(3), A(2, 2)]),
    _both("fnp.ufunc_at", lambda m: lambda x, b: m.frompyfunc(
        lambda u, v: u * v, 2, 1).at(x, np.array([0, 2, 0]), b, inplace=False), [A(4), A(3)]),
    _both("fnp.ufunc_reduceat", lambda m: lambda x: m.frompyfunc(
        lambda a, b: a + b * b, 2, 1).reduceat(x, np.array([0, 3, 1, 5])), [A(7)]),
    Case("fnp.delete_traced", lambda x, i: fnp.delete(x, i, assume_unique_indices=True),
         [A(6), Const(np.array([4, 0]))],
         jax=lambda jnp, lax: lambda x, i: jnp.delete(x, i, assume_unique_indices=True)),
    Case("fnp.insert_traced", lambda x, i: fnp.insert(x, i, 7.0), [A(5), Int(2, high=5)],
         jax=lambda jnp, lax: lambda x, i: jnp.insert(x, i, 7.0)),
]

CASES = FLOATS + INTEGERS + POLYNOMIALS + HISTOGRAMS + ARRAYS
