"""Table rows: the everyday fungrad.numpy API (issue 13): order statistics, nan* reductions,
interp, diff, cross, select, nan_to_num, comparisons, searchsorted, unique/argwhere with
size=, and dtype casts."""

import numpy as np

import fungrad.numpy as fnp
from tests.tables.spec import A, C, Case, Const, Int, Point, Pos

S = (3, 5)
NAN = np.nan
# NaNs in rows 0 and 2 (one slice all NaN along axis 0 in column 1 is avoided on purpose:
# an all-NaN slice has a NaN result, which is a value, not a derivative, check).
WITH_NANS = [[0.3, NAN, -1.2, 0.8, 1.7], [1.1, -0.4, 0.6, NAN, -0.9], [NAN, 0.2, 1.4, -1.6, 0.5]]
INFS = [[0.3, np.inf, -1.2], [-np.inf, NAN, 0.6]]
METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]


def _rows(name, args, kwargs_list, label="", fn=None, **kw):
    """One row per keyword set of ``fnp.<name>`` against ``jnp.<name>``."""
    fn = fn or name
    rows = []
    for kwargs in kwargs_list:
        suffix = "".join(f"_{k}={v}" for k, v in kwargs.items()).replace(" ", "")
        rows.append(Case(
            f"fnp.{name}{label}{suffix}",
            lambda *a, kwargs=kwargs: getattr(fnp, fn)(*a, **kwargs), args,
            jax=lambda jnp, lax, kwargs=kwargs: lambda *a: getattr(jnp, fn)(*a, **kwargs), **kw))
    return rows


AXES = [{}, {"axis": 0}, {"axis": -1}, {"axis": (0, 1)}, {"axis": 1, "keepdims": True}]

CASES = [
    # Order statistics: sort + gather; linear interpolation is differentiable in q too.
    *_rows("median", [A(*S)], AXES),
    *_rows("median", [A(4, 2, 3)], [{"axis": (0, 2)}, {"axis": (0, 2), "keepdims": True}],
           label="_3d"),
    *_rows("median", [Int(*S, high=9)], [{}, {"axis": 1}], label="_int", diff=False),
    *_rows("quantile", [A(*S), A(low=0.05, high=0.95)], [{"method": m} for m in METHODS]),
    *_rows("quantile", [A(*S), A(3, low=0.05, high=0.95)],
           [{"axis": 1}, {"axis": 0, "keepdims": True}, {"axis": None, "keepdims": True}],
           label="_qvec"),
    # q at knots (the positions are whole numbers): a kink in q, so compared with JAX only.
    *_rows("quantile", [A(*S), Const(np.array([0.0, 0.5, 1.0]))],
           [{"axis": 1, "method": m} for m in METHODS], label="_ends", order=0),
    *_rows("percentile", [A(*S), A(2, low=5.0, high=95.0)],
           [{"axis": 1}, {"axis": 0, "method": "midpoint"}]),
    # NaN-ignoring reductions: NaN entries get a zero derivative.
    *_rows("nanmean", [Point(WITH_NANS)], AXES),
    *_rows("nanstd", [Point(WITH_NANS)], [{}, {"axis": 1}, {"axis": 0, "ddof": 1}]),
    *_rows("nanvar", [Point(WITH_NANS)], [{}, {"axis": 1, "keepdims": True}]),
    *_rows("nanmax", [Point(WITH_NANS)], [{}, {"axis": 0}, {"axis": 1, "keepdims": True}]),
    *_rows("nanmin", [Point(WITH_NANS)], [{}, {"axis": 0}, {"axis": 1}]),
    *_rows("nanmedian", [Point(WITH_NANS)], [{}, {"axis": 1}]),
    *_rows("nanquantile", [Point(WITH_NANS), A(low=0.05, high=0.95)],
           [{"axis": 1}, {"axis": 0, "method": "nearest"}]),
    *_rows("nanmean", [A(*S)], [{"axis": 1}], label="_no_nans"),
    *_rows("nan_to_num", [Point(INFS)], [{}, {"nan": 1.5, "posinf": 9.0, "neginf": -9.0}]),
    # Interpolation (xp sorted inside, so drawn values are valid sample points).
    *[Case(f"fnp.interp{label}",
           lambda x, xp, fp, kw=kw: fnp.interp(x, fnp.sort(xp), fp, **kw),
           [A(7, low=-2.5, high=2.5), A(5), A(5)],
           jax=lambda jnp, lax, kw=kw: lambda x, xp, fp: jnp.interp(x, jnp.sort(xp), fp, **kw))
      for label, kw in [("", {}), ("_left_right", {"left": -5.0, "right": 5.0}),
                        ("_extrapolate", {"left": "extrapolate", "right": "extrapolate"}),
                        ("_period", {"period": 3.0})]],
    # Differences and products (linear / bilinear).
    *_rows("diff", [A(*S)], [{}, {"n": 2}, {"axis": 0}, {"n": 0}, {"prepend": 0.5},
                             {"append": 1.0, "axis": 0}]),
    Case("fnp.diff_prepend_array", lambda x, p: fnp.diff(x, prepend=p), [A(*S), A(3, 1)],
         jax=lambda jnp, lax: lambda x, p: jnp.diff(x, prepend=p)),
    Case("fnp.diff_bool", lambda x: fnp.diff(x > 0), [A(*S)], diff=False,
         jax=lambda jnp, lax: lambda x: jnp.diff(x > 0)),
    *_rows("cross", [A(4, 3), A(4, 3)], [{}, {"axis": 1}]),
    *_rows("cross", [A(3, 4), A(4, 3)], [{"axisa": 0}, {"axisa": 0, "axisc": 0}],
           label="_axes"),
    *_rows("cross", [A(4, 2), A(2, 4, 3)], [{}], label="_2x3"),
    *_rows("cross", [A(4, 2), A(4, 2)], [{}], label="_2x2"),
    # Selection
    Case("fnp.select", lambda x, y: fnp.select([x < -0.5, x > 0.5], [x * y, y], -y),
         [A(*S), A(*S)],
         jax=lambda jnp, lax: lambda x, y: jnp.select([x < -0.5, x > 0.5], [x * y, y], -y)),
    Case("fnp.select_default", lambda x: fnp.select([x > 0], [x ** 2]), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.select([x > 0], [x ** 2])),
    # Comparisons and counts (no derivative)
    Case("fnp.isclose", lambda x, y: fnp.isclose(x, x + 1e-6 * y), [A(*S), A(*S)], diff=False,
         jax=lambda jnp, lax: lambda x, y: jnp.isclose(x, x + 1e-6 * y)),
    Case("fnp.isclose_inf_nan", lambda x: fnp.isclose(x, x, equal_nan=True), [Point(INFS)],
         diff=False, jax=lambda jnp, lax: lambda x: jnp.isclose(x, x, equal_nan=True)),
    Case("fnp.isclose_inf_nan_strict", lambda x: fnp.isclose(x, fnp.flip(x)), [Point(INFS)],
         diff=False, jax=lambda jnp, lax: lambda x: jnp.isclose(x, jnp.flip(x))),
    Case("fnp.allclose", lambda x, y: fnp.allclose(x, x + 1e-3 * y, atol=1e-2), [A(*S), A(*S)],
         diff=False, jax=lambda jnp, lax: lambda x, y: jnp.allclose(x, x + 1e-3 * y, atol=1e-2)),
    Case("fnp.array_equal", lambda x: fnp.array_equal(x, fnp.round(x, 8)), [A(*S)],
         diff=False, jax=lambda jnp, lax: lambda x: jnp.array_equal(x, jnp.round(x, 8))),
    Case("fnp.array_equal_nan", lambda x: fnp.array_equal(x, x, equal_nan=True),
         [Point(WITH_NANS)], diff=False,
         jax=lambda jnp, lax: lambda x: jnp.array_equal(x, x, equal_nan=True)),
    *_rows("count_nonzero", [Int(*S, high=3)], [{}, {"axis": 0}, {"axis": 1, "keepdims": True}],
           diff=False),
    Case("fnp.count_nonzero_float", lambda x: fnp.count_nonzero(x > 0, axis=1), [A(*S)],
         diff=False, jax=lambda jnp, lax: lambda x: jnp.count_nonzero(x > 0, axis=1)),
    # Searching: the sorted array is drawn, then sorted; v is drawn (batched under vmap).
    *[Case(f"fnp.searchsorted_{side}", lambda a, v, side=side: fnp.searchsorted(
        fnp.sort(a), v, side=side), [A(6), A(2, 3, low=-2.5, high=2.5)], diff=False,
        jax=lambda jnp, lax, side=side: lambda a, v: jnp.searchsorted(jnp.sort(a), v, side=side))
      for side in ["left", "right"]],
    Case("fnp.searchsorted_sorter", lambda a, v: fnp.searchsorted(a, v, sorter=fnp.argsort(a)),
         [A(6), A(4)], diff=False,
         jax=lambda jnp, lax: lambda a, v: jnp.searchsorted(a, v, sorter=jnp.argsort(a))),
    Case("fnp.searchsorted_ties_nan", lambda v: fnp.searchsorted(
        np.array([0.0, 1.0, 1.0, NAN]), v, side="right"), [Point([1.0, NAN, -1.0, 5.0])],
        diff=False, jax=lambda jnp, lax: lambda v: jnp.searchsorted(
            np.array([0.0, 1.0, 1.0, NAN]), v, side="right")),
    # Data-dependent shapes with size= (traceable under jit and vmap)
    Case("fnp.argwhere_size", lambda x: fnp.argwhere(x > 0, size=8, fill_value=-1), [A(*S)],
         diff=False,
         jax=lambda jnp, lax: lambda x: jnp.argwhere(x > 0, size=8, fill_value=-1)),
    Case("fnp.where_one_arg_size", lambda x: fnp.where(x > 0, size=4), [A(*S)], diff=False,
         jax=lambda jnp, lax: lambda x: jnp.where(x > 0, size=4)),
    Case("fnp.unique_size_values", lambda x: fnp.unique(fnp.round(x), size=4),
         [A(*S)], jax=lambda jnp, lax: lambda x: jnp.unique(jnp.round(x), size=4), order=0),
    Case("fnp.unique_size_values_grad", lambda x: fnp.unique(x, size=20, fill_value=0.0),
         [A(*S)], jax=lambda jnp, lax: lambda x: jnp.unique(x, size=20, fill_value=0.0)),
    Case("fnp.unique_size_all",
         lambda x: fnp.unique(fnp.round(x), return_index=True, return_inverse=True,
                              return_counts=True, size=6, fill_value=9.0)[1:],
         [A(*S)], diff=False,
         jax=lambda jnp, lax: lambda x: jnp.unique(jnp.round(x), return_index=True,
                                                   return_inverse=True, return_counts=True,
                                                   size=6, fill_value=9.0)[1:]),
    # Casts (the dtype names are constructors, as jnp.float32(x)); float32 rounding is too
    # coarse for central differences, so these are compared with JAX (order=0).
    Case("fnp.float32_cast", lambda x: fnp.float32(x) * 2, [A(*S)], rtol=1e-6,
         order=0, jax=lambda jnp, lax: lambda x: jnp.float32(x) * 2),
    Case("fnp.astype_float32", lambda x: fnp.astype(x, fnp.float32), [A(*S)], rtol=1e-6,
         order=0, jax=lambda jnp, lax: lambda x: jnp.astype(x, jnp.float32)),
    Case("fnp.astype_int32", lambda x: fnp.astype(x * 3, fnp.int32), [A(*S)], diff=False,
         jax=lambda jnp, lax: lambda x: jnp.astype(x * 3, jnp.int32)),
    Case("fnp.copy", fnp.copy, [A(*S)], jax=lambda jnp, lax: jnp.copy),
]

# Tier 2: array API names, more elementwise functions, nan* extras, products, integrals.
SIGNED_ZEROS = [[-0.0, 0.0, -1.5], [2.0, -3.0, 0.5]]
CASES += [
    *[Case(f"fnp.{name}", getattr(fnp, name), [arg], jax=lambda jnp, lax, n=name: getattr(jnp, n))
      for name, arg in [("asin", A(4, low=-0.9, high=0.9)), ("acos", A(4, low=-0.9, high=0.9)),
                        ("atan", A(4)), ("asinh", A(4)), ("acosh", Pos(4, low=1.2, high=3.0)),
                        ("atanh", A(4, low=-0.9, high=0.9)), ("sinc", A(*S, low=-3.0, high=3.0)),
                        ("matrix_transpose", A(2, 3, 4))]],
    Case("fnp.atan2", fnp.atan2, [A(*S), Pos(*S)], jax=lambda jnp, lax: jnp.atan2),
    Case("fnp.sinc_at_0", fnp.sinc, [Point([0.0, 1e-5, -2e-4])], jax=lambda jnp, lax: jnp.sinc),
    Case("fnp.concat", lambda x, y: fnp.concat([x, y], axis=1), [A(3, 2), A(3, 4)],
         jax=lambda jnp, lax: lambda x, y: jnp.concat([x, y], axis=1)),
    Case("fnp.permute_dims", lambda x: fnp.permute_dims(x, (2, 0, 1)), [A(2, 3, 4)],
         jax=lambda jnp, lax: lambda x: jnp.permute_dims(x, (2, 0, 1))),
    Case("fnp.unstack", lambda x: fnp.unstack(x, axis=1), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.unstack(x, axis=1)),
    *_rows("cumulative_sum", [A(*S)], [{"axis": 1}, {"axis": 0, "include_initial": True}]),
    *_rows("cumulative_prod", [A(*S)], [{"axis": 1}, {"axis": -1, "include_initial": True}]),
    Case("fnp.copysign", fnp.copysign, [A(*S), A(*S)], jax=lambda jnp, lax: jnp.copysign),
    Case("fnp.signbit", fnp.signbit, [Point(SIGNED_ZEROS)], diff=False,
         jax=lambda jnp, lax: jnp.signbit),
    # Steps at signed zeros: compared with JAX only (central differences straddle them).
    Case("fnp.copysign_zeros", lambda y: fnp.copysign(2.0, y), [Point(SIGNED_ZEROS)], order=0,
         jax=lambda jnp, lax: lambda y: jnp.copysign(2.0, y)),
    *[Case(f"fnp.{name}", getattr(fnp, name), [A(*S), Point(WITH_NANS)],
           jax=lambda jnp, lax, n=name: getattr(jnp, n)) for name in ["fmax", "fmin"]],
    Case("fnp.heaviside", fnp.heaviside, [Point(SIGNED_ZEROS), A(2, 3)], order=0,
         jax=lambda jnp, lax: jnp.heaviside),
    Case("fnp.logaddexp2", fnp.logaddexp2, [A(*S), A(*S)], jax=lambda jnp, lax: jnp.logaddexp2),
    Case("fnp.float_power", fnp.float_power, [Pos(*S), A(*S)],
         jax=lambda jnp, lax: jnp.float_power),
    *[Case(f"fnp.{name}", getattr(fnp, name), [Point(INFS)], diff=False,
           jax=lambda jnp, lax, n=name: getattr(jnp, n)) for name in ["isposinf", "isneginf"]],
    Case("fnp.isreal", lambda x: fnp.isreal(x * (1 + 0j) + 1j * (x > 0.5)), [A(*S)],
         diff=False, jax=lambda jnp, lax: lambda x: jnp.isreal(x * (1 + 0j) + 1j * (x > 0.5))),
    *_rows("nanprod", [Point(WITH_NANS)], [{}, {"axis": 1}]),
    *_rows("nancumsum", [Point(WITH_NANS)], [{}, {"axis": 0}]),
    *_rows("nancumprod", [Point(WITH_NANS)], [{"axis": 1}]),
    *_rows("nanargmax", [Point(WITH_NANS)], [{}, {"axis": 1}], diff=False),
    *_rows("nanargmin", [Point(WITH_NANS)], [{"axis": 0}, {"axis": 1, "keepdims": True}],
           diff=False),
    *_rows("nanpercentile", [Point(WITH_NANS), A(low=5.0, high=95.0)], [{"axis": 1}]),
    *_rows("kron", [A(2, 3), A(3, 2)], [{}]),
    *_rows("kron", [A(3), A(2, 2)], [{}], label="_ranks"),
    *_rows("append", [A(*S), A(2, 5)], [{}, {"axis": 0}]),
    *_rows("rot90", [A(2, 3, 4)], [{}, {"k": 2}, {"k": -1, "axes": (2, 0)}, {"k": 3}]),
    *_rows("trapezoid", [A(*S)], [{}, {"axis": 0}, {"dx": 0.3}]),
    Case("fnp.trapezoid_x", lambda y, x: fnp.trapezoid(y, fnp.sort(x), axis=0), [A(*S), A(3)],
         jax=lambda jnp, lax: lambda y, x: jnp.trapezoid(y, jnp.sort(x), axis=0)),
    Case("fnp.polyval", fnp.polyval, [A(4), A(*S)], jax=lambda jnp, lax: jnp.polyval),
    Case("fnp.isin", lambda x: fnp.isin(fnp.round(x), np.array([-1.0, 2.0])), [A(*S)],
         diff=False,
         jax=lambda jnp, lax: lambda x: jnp.isin(jnp.round(x), np.array([-1.0, 2.0]))),
    Case("fnp.isin_invert", lambda x, t: fnp.isin(x, t, invert=True), [Int(*S), Int(2)],
         diff=False, jax=lambda jnp, lax: lambda x, t: jnp.isin(x, t, invert=True)),
    *[Case(f"fnp.digitize{label}", lambda x, b=b, r=r: fnp.digitize(x, b, right=r),
           [A(*S, low=-3.0, high=3.0)], diff=False,
           jax=lambda jnp, lax, b=b, r=r: lambda x: jnp.digitize(x, b, right=r))
      for label, b, r in [("", np.array([-1.0, 0.0, 1.5]), False),
                          ("_right_decreasing", np.array([1.5, 0.0, -1.0]), True)]],
    Case("fnp.unique_values_size", lambda x: fnp.unique_values(fnp.round(x), size=5),
         [A(*S)], order=0, jax=lambda jnp, lax: lambda x: jnp.unique_values(jnp.round(x), size=5)),
    Case("fnp.unique_all_size", lambda x: tuple(fnp.unique_all(fnp.round(x), size=5))[1:],
         [A(*S)], diff=False,
         jax=lambda jnp, lax: lambda x: tuple(jnp.unique_all(jnp.round(x), size=5))[1:]),
]

# Tier 2, continued: ranges, products, splits, statistics of several variables, counting.
CASES += [
    *_rows("logspace", [A(low=-1.0, high=1.0), A(low=1.0, high=2.0)],
           [{"num": 5}, {"num": 4, "endpoint": False, "base": 2.0}]),
    Case("fnp.logspace_base", lambda b: fnp.logspace(0.0, 2.0, 4, base=b), [Pos(low=1.5)],
         jax=lambda jnp, lax: lambda b: jnp.logspace(0.0, 2.0, 4, base=b)),
    *_rows("geomspace", [Pos(low=0.5, high=1.0), Pos(low=2.0, high=8.0)],
           [{"num": 5}, {"num": 4, "endpoint": False}]),
    Case("fnp.geomspace_negative_vector", lambda a, b: fnp.geomspace(-a, -b, 3, axis=1),
         [Pos(2, low=0.5), Pos(2, low=2.0, high=4.0)],
         jax=lambda jnp, lax: lambda a, b: jnp.geomspace(-a, -b, 3, axis=1)),
    *_rows("vecdot", [A(*S), A(5)], [{}]),
    *_rows("vecdot", [C(2, 3), C(4, 1, 3)], [{}], label="_complex"),
    *_rows("vecdot", [A(3, 4), A(3, 1)], [{"axis": 0}], label="_axis"),
    Case("fnp.divmod", fnp.divmod, [A(*S), Pos(*S)], order=0,
         jax=lambda jnp, lax: jnp.divmod),
    Case("fnp.modf", fnp.modf, [A(*S, low=-3.0, high=3.0)], jax=lambda jnp, lax: jnp.modf),
    Case("fnp.ldexp", fnp.ldexp, [A(*S), Int(*S, low=-2, high=3)],
         jax=lambda jnp, lax: jnp.ldexp),
    *[Case(f"fnp.{name}", lambda x, name=name, k=k: getattr(fnp, name)(x, k), [A(2, 4, 6)],
           jax=lambda jnp, lax, name=name, k=k: lambda x: getattr(jnp, name)(x, k))
      for name, k in [("hsplit", 2), ("vsplit", [1]), ("dsplit", 3)]],
    *_rows("diagflat", [A(2, 2)], [{}, {"k": -1}]),
    Case("fnp.ix_", lambda x: x[fnp.ix_(np.array([2, 0]), np.array([1, 3, 3]))], [A(*S)],
         jax=lambda jnp, lax: lambda x: x[jnp.ix_(np.array([2, 0]), np.array([1, 3, 3]))]),
    Case("fnp.unravel_index", lambda x: fnp.unravel_index(
        fnp.argsort(x.ravel()), x.shape), [A(*S)], diff=False,
        jax=lambda jnp, lax: lambda x: jnp.unravel_index(jnp.argsort(x.ravel()), x.shape)),
    *_rows("cov", [A(3, 6)], [{}, {"bias": True}, {"ddof": 2}, {"rowvar": False}]),
    Case("fnp.cov_y", lambda x, y: fnp.cov(x, y), [A(6), A(2, 6)],
         jax=lambda jnp, lax: lambda x, y: jnp.cov(x, y)),
    Case("fnp.cov_weights", lambda x: fnp.cov(x, fweights=np.array([1, 2, 1, 3, 1]),
                                             aweights=np.array([0.5, 1.0, 2.0, 1.0, 0.3])),
         [A(3, 5)], jax=lambda jnp, lax: lambda x: jnp.cov(
             x, fweights=np.array([1, 2, 1, 3, 1]), aweights=np.array([0.5, 1.0, 2.0, 1.0, 0.3]))),
    *_rows("corrcoef", [A(3, 6)], [{}, {"rowvar": False}]),
    Case("fnp.bincount_weights", lambda w: fnp.bincount(np.array([0, 2, 2, 5, -1]), w,
                                                        length=4), [A(5)],
         jax=lambda jnp, lax: lambda w: jnp.bincount(np.array([0, 2, 2, 5, -1]), w, length=4)),
    Case("fnp.bincount", lambda x: fnp.bincount(x, length=3), [Int(7, high=5)], diff=False,
         jax=lambda jnp, lax: lambda x: jnp.bincount(x, length=3)),
    Case("fnp.choose", lambda x, y: fnp.choose(np.array([[0, 1, 2], [2, 1, 0]]), [x, y, x * y],
                                               mode="clip"),
         [A(2, 3), A(3)], jax=lambda jnp, lax: lambda x, y: jnp.choose(
             np.array([[0, 1, 2], [2, 1, 0]]), [x, y, x * y], mode="clip")),
    Case("fnp.choose_wrap", lambda x: fnp.choose(np.array([3, -1, 1]), [x, -x], mode="wrap"),
         [A(3)], jax=lambda jnp, lax: lambda x: jnp.choose(np.array([3, -1, 1]), [x, -x],
                                                          mode="wrap")),
    *_rows("gradient", [A(5)], [{}], label="_1d"),
    Case("fnp.gradient_spacings", lambda f: fnp.gradient(f, 0.5, 2.0), [A(3, 4)],
         jax=lambda jnp, lax: lambda f: jnp.gradient(f, 0.5, 2.0)),
    Case("fnp.gradient_coordinates", lambda f, x: fnp.gradient(f, fnp.cumsum(x), axis=1),
         [A(3, 4), Pos(4)],
         jax=lambda jnp, lax: lambda f, x: jnp.gradient(f, jnp.cumsum(x), axis=1)),
]

# Tier 2, last batch: convolutions, masked selection, resizing, mapping, functional updates.
CASES += [
    *[Case(f"fnp.{fn}_{mode}_{n}x{m}", lambda a, v, fn=fn, mode=mode: getattr(fnp, fn)(a, v, mode),
           [A(n), C(m) if fn == "correlate" else A(m)],
           jax=lambda jnp, lax, fn=fn, mode=mode: lambda a, v: getattr(jnp, fn)(a, v, mode))
      for fn in ["convolve", "correlate"] for mode in ["full", "same", "valid"]
      for n, m in [(6, 3), (3, 5)]],
    Case("fnp.compress_size", lambda x: fnp.compress(x[:, 0] > 0, x, axis=0, size=2,
                                                     fill_value=-9.0), [A(3, 4)],
         jax=lambda jnp, lax: lambda x: jnp.compress(x[:, 0] > 0, x, axis=0, size=2,
                                                     fill_value=-9.0)),
    Case("fnp.extract_size", lambda x: fnp.extract(x > 0, x, size=6), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.extract(x > 0, x, size=6)),
    *_rows("resize", [A(2, 3)], [{"new_shape": (4, 4)}, {"new_shape": (5,)}]),
    Case("fnp.apply_along_axis", lambda x: fnp.apply_along_axis(
        lambda v: fnp.outer(v, v[::-1]) * v[0], 1, x), [A(2, 3, 2)],
        jax=lambda jnp, lax: lambda x: jnp.apply_along_axis(
            lambda v: jnp.outer(v, v[::-1]) * v[0], 1, x)),
    Case("fnp.apply_along_axis_scalar", lambda x: fnp.apply_along_axis(fnp.max, 0, x),
         [A(*S)], jax=lambda jnp, lax: lambda x: jnp.apply_along_axis(jnp.max, 0, x)),
    Case("fnp.put_along_axis", lambda x, v: fnp.put_along_axis(
        x, np.array([[1], [0], [3]]), v, axis=1, inplace=False), [A(3, 5), A(3, 1)],
        jax=lambda jnp, lax: lambda x, v: jnp.put_along_axis(
            x, np.array([[1], [0], [3]]), v, axis=1, inplace=False)),
    Case("fnp.fill_diagonal", lambda x, v: fnp.fill_diagonal(x, v, inplace=False),
         [A(3, 4), A(2)],
         jax=lambda jnp, lax: lambda x, v: jnp.fill_diagonal(x, v, inplace=False)),
]

# vectorize, lexsort and the 1-D set operations (with size= under jit/vmap).
_DOT = fnp.vectorize(lambda a, b: (a * b).sum(), signature="(n),(n)->()")
_ROWS_TIMES = fnp.vectorize(lambda m, v: m @ v, signature="(m,n),(n)->(m)")
CASES += [
    Case("fnp.vectorize", fnp.vectorize(lambda x, y: fnp.sin(x) * y), [A(3, 1), A(4)],
         jax=lambda jnp, lax: jnp.vectorize(lambda x, y: jnp.sin(x) * y)),
    Case("fnp.vectorize_signature", _DOT, [A(2, 3, 4), A(4)],
         jax=lambda jnp, lax: jnp.vectorize(lambda a, b: (a * b).sum(), signature="(n),(n)->()")),
    Case("fnp.vectorize_matrix", _ROWS_TIMES, [A(2, 3, 4), A(2, 1, 4)],
         jax=lambda jnp, lax: jnp.vectorize(lambda m, v: m @ v, signature="(m,n),(n)->(m)")),
    Case("fnp.vectorize_excluded", lambda x: fnp.vectorize(
        lambda x, p: x ** p, excluded={1})(x, 3), [A(*S)],
        jax=lambda jnp, lax: lambda x: jnp.vectorize(lambda x, p: x ** p, excluded={1})(x, 3)),
    Case("fnp.lexsort", lambda x, y: fnp.lexsort([fnp.round(x), fnp.round(y)]), [A(*S), A(*S)],
         diff=False, jax=lambda jnp, lax: lambda x, y: jnp.lexsort([jnp.round(x), jnp.round(y)])),
    Case("fnp.lexsort_axis0", lambda x: fnp.lexsort([x, fnp.round(x)], axis=0), [A(*S)],
         diff=False, jax=lambda jnp, lax: lambda x: jnp.lexsort([x, jnp.round(x)], axis=0)),
    Case("fnp.union1d_size", lambda x, y: fnp.union1d(fnp.round(x), fnp.round(y), size=6),
         [A(5), A(4)],
         jax=lambda jnp, lax: lambda x, y: jnp.union1d(jnp.round(x), jnp.round(y), size=6)),
    Case("fnp.setdiff1d_size", lambda x, y: fnp.setdiff1d(fnp.round(x), fnp.round(y), size=5,
                                                          fill_value=9.0), [A(7), A(3)],
         order=0, jax=lambda jnp, lax: lambda x, y: jnp.setdiff1d(
             jnp.round(x), jnp.round(y), size=5, fill_value=9.0)),
    Case("fnp.intersect1d_size", lambda x, y: fnp.intersect1d(
        fnp.round(x), fnp.round(y), return_indices=True, size=4), [A(7), A(6)], order=0,
        jax=lambda jnp, lax: lambda x, y: jnp.intersect1d(
            jnp.round(x), jnp.round(y), return_indices=True, size=4)),
]

# A Python scalar prepend/append is weak: diff(x32, prepend=0) is float32 (it was float64).
# unique(empty, size=, fill_value=) gives the fill values (and empty indices, inverse and
# counts) as jax.numpy does; it raised.
CASES += [
    Case("fnp.diff_prepend_pyint_f32", lambda x: fnp.diff(x, prepend=0, append=1),
         [A(*S, dtype="float32")], order=0, rtol=1e-6,
         jax=lambda jnp, lax: lambda x: jnp.diff(x, prepend=0, append=1)),
    Case("fnp.unique_empty_size_fill", lambda x: fnp.unique(
        x, return_index=True, return_inverse=True, return_counts=True, size=3, fill_value=0.5),
        [A(0)], diff=False, batch=False, jax=lambda jnp, lax: lambda x: jnp.unique(
            x, return_index=True, return_inverse=True, return_counts=True, size=3,
            fill_value=0.5)),
]
