"""Table rows: reduction and cumulative lax primitives and fungrad.numpy reductions."""

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax as flax
from tests.tables.spec import A, Case, Const, Int, Point, Pos

S = (3, 4)
# Repeated extremes: the gradient of max/min splits evenly among tied elements. Ties come
# in pairs (per row, per column and overall), where a central difference also gives the
# even split, so check_grads verifies them to first order.
TIES = np.array([[1.0, 3.0, 3.0, -2.0], [0.5, -1.0, -1.0, 2.0], [1.0, 2.0, -1.0, 2.0]])
# Zeros for products: one zero in row 0, two in row 1, none in row 2.
ZEROS = np.array([[0.0, 1.5, -0.7, 1.2], [0.0, 0.8, 0.0, -1.1], [1.3, -0.6, 0.9, 1.4]])
BOOLS = np.array([[True, False, True, True], [True, True, True, True],
                  [False, False, False, False]])


def _lax_rows(name, fn, ref, arg=None, **kw):
    """Rows of a lax reduction over several axis choices."""
    arg = arg or A(*S)
    return [Case(f"lax.{name}{suffix}", lambda x, axes=axes: fn(x, axes), [arg],
                 jax=lambda jnp, lax, axes=axes: lambda x: getattr(lax, ref)(x, axes), **kw)
            for suffix, axes in [("_0", (0,)), ("_1", (1,)), ("_01", (0, 1)), ("_none", ())]]


def _fnp_rows(name, arg=None, kwargs_list=None, label="", **kw):
    """Rows of an fnp reduction over the usual axis/keepdims choices."""
    arg = arg or A(*S)
    kwargs_list = kwargs_list or [
        {}, {"axis": 0}, {"axis": -1}, {"axis": (0, 1)}, {"axis": 1, "keepdims": True},
    ]
    rows = []
    for kwargs in kwargs_list:
        suffix = "".join(f"_{k}={v}" for k, v in kwargs.items()).replace(" ", "")
        rows.append(Case(
            f"fnp.{name}{label}{suffix}", lambda x, kwargs=kwargs: getattr(fnp, name)(x, **kwargs),
            [arg], jax=lambda jnp, lax, kwargs=kwargs: lambda x: getattr(jnp, name)(x, **kwargs),
            **kw))
    return rows


SIZE1 = A(2, 1, 3)
SIZE1_KWARGS = [{"axis": 1}, {"axis": (0, 1)}, {"axis": 1, "keepdims": True}]

CASES = [
    # lax reductions
    *_lax_rows("reduce_sum", flax.reduce_sum, "reduce_sum"),
    *_lax_rows("reduce_max", flax.reduce_max, "reduce_max"),
    *_lax_rows("reduce_min", flax.reduce_min, "reduce_min"),
    *_lax_rows("reduce_prod", flax.reduce_prod, "reduce_prod"),
    *_lax_rows("reduce_max_ties", flax.reduce_max, "reduce_max", Const(TIES), order=1),
    *_lax_rows("reduce_min_ties", flax.reduce_min, "reduce_min", Const(TIES), order=1),
    *_lax_rows("reduce_prod_zeros", flax.reduce_prod, "reduce_prod", Const(ZEROS)),
    *_lax_rows("reduce_and", flax.reduce_and, "reduce_and", Const(BOOLS), diff=False),
    *_lax_rows("reduce_or", flax.reduce_or, "reduce_or", Const(BOOLS), diff=False),
    *_lax_rows("reduce_xor", flax.reduce_xor, "reduce_xor", Const(BOOLS), diff=False),
    *_lax_rows("reduce_xor_ints", flax.reduce_xor, "reduce_xor",
               Const(np.arange(-6, 6).reshape(S) * 37), diff=False),
    Case("lax.reduce_sum_size1", lambda x: flax.reduce_sum(x, (1,)), [SIZE1],
         jax=lambda jnp, lax: lambda x: lax.reduce_sum(x, (1,))),
    Case("lax.reduce_max_size1", lambda x: flax.reduce_max(x, (0, 1)), [SIZE1],
         jax=lambda jnp, lax: lambda x: lax.reduce_max(x, (0, 1))),
    Case("lax.reduce_prod_size1", lambda x: flax.reduce_prod(x, (1, 2)), [SIZE1],
         jax=lambda jnp, lax: lambda x: lax.reduce_prod(x, (1, 2))),
    *[Case(f"lax.{n}_{axis}", lambda x, n=n, axis=axis: getattr(flax, n)(x, axis, np.int64),
           [arg], jax=lambda jnp, lax, n=n, axis=axis: lambda x: getattr(lax, n)(x, axis, np.int64),
           diff=False)
      for n in ["argmax", "argmin"] for axis in [0, 1] for arg in [A(*S)]],
    *[Case(f"lax.{n}_ties_{axis}", lambda x, n=n, axis=axis: getattr(flax, n)(x, axis, np.int64),
           [Const(TIES)], diff=False,
           jax=lambda jnp, lax, n=n, axis=axis: lambda x: getattr(lax, n)(x, axis, np.int64))
      for n in ["argmax", "argmin"] for axis in [0, 1]],
    # lax cumulative
    *[Case(f"lax.{n}_{axis}{'_rev' if rev else ''}",
           lambda x, n=n, axis=axis, rev=rev: getattr(flax, n)(x, axis, rev), [arg],
           jax=lambda jnp, lax, n=n, axis=axis, rev=rev:
               lambda x: getattr(lax, n)(x, axis, rev))
      for n, arg in [("cumsum", A(*S)), ("cumprod", A(*S)), ("cummax", A(*S)),
                     ("cummin", A(*S)), ("cumlogsumexp", A(*S))]
      for axis, rev in [(0, False), (1, False), (1, True)]],
    Case("lax.cumsum_size1", lambda x: flax.cumsum(x, 1), [SIZE1],
         jax=lambda jnp, lax: lambda x: lax.cumsum(x, 1)),
    # cumprod with zeros (one or two per row): exact to second order (the Hessian at a zero
    # lost the terms that vanish there, and was not symmetric)
    *[Case(f"lax.cumprod_zeros_{axis}{'_rev' if rev else ''}",
           lambda x, axis=axis, rev=rev: flax.cumprod(x, axis, rev), [Const(ZEROS)],
           jax=lambda jnp, lax, axis=axis, rev=rev: lambda x: lax.cumprod(x, axis, rev))
      for axis in [0, 1] for rev in [False, True]],
    # fnp reductions
    *_fnp_rows("sum"), *_fnp_rows("sum", kwargs_list=[{"axis": None, "keepdims": True}]),
    *_fnp_rows("mean"), *_fnp_rows("prod"), *_fnp_rows("max"),
    *_fnp_rows("min"), *_fnp_rows("amax", kwargs_list=[{"axis": 0}]),
    *_fnp_rows("amin", kwargs_list=[{"axis": -1}]),
    *_fnp_rows("ptp", kwargs_list=[{}, {"axis": 1}, {"axis": 0, "keepdims": True}]),
    *_fnp_rows("var"), *_fnp_rows("std"),
    *_fnp_rows("var", kwargs_list=[{"ddof": 1}, {"axis": 0, "ddof": 1, "keepdims": True}]),
    *_fnp_rows("std", kwargs_list=[{"axis": 1, "ddof": 1}]),
    *_fnp_rows("nansum", kwargs_list=[{"axis": 1}]),
    *_fnp_rows("average", kwargs_list=[{}, {"axis": 1}]),
    *[row for n in ["sum", "mean", "prod", "max", "var"]
      for row in _fnp_rows(n, SIZE1, SIZE1_KWARGS, label="_size1")],
    *_fnp_rows("max", Const(TIES), [{}, {"axis": 0}, {"axis": 1, "keepdims": True}],
               label="_ties", order=1),
    *_fnp_rows("min", Const(TIES), [{"axis": 1}, {"axis": (0, 1)}], label="_ties", order=1),
    *_fnp_rows("prod", Const(ZEROS), [{"axis": 1}, {"axis": 0}, {}], label="_zeros"),
    *_fnp_rows("cumsum", kwargs_list=[{}, {"axis": 0}, {"axis": -1}]),
    *_fnp_rows("cumprod", kwargs_list=[{}, {"axis": 1}]),
    *_fnp_rows("argmax", kwargs_list=[{}, {"axis": 0}, {"axis": -1, "keepdims": True},
                                      {"keepdims": True}], diff=False),
    *_fnp_rows("argmin", kwargs_list=[{}, {"axis": 1}], diff=False),
    *_fnp_rows("argmax", Const(TIES), [{"axis": 1}], label="_ties", diff=False),
    *_fnp_rows("argmin", Const(TIES), [{"axis": 0}], label="_ties", diff=False),
    *_fnp_rows("all", Const(BOOLS), [{}, {"axis": 1}, {"axis": 0, "keepdims": True}],
               diff=False),
    *_fnp_rows("any", Const(BOOLS), [{}, {"axis": 1}, {"axis": (0, 1), "keepdims": True}],
               diff=False),
    *_fnp_rows("all", Const(ZEROS), [{"axis": 1}], label="_float", diff=False),
    *_fnp_rows("any", Const(ZEROS), [{"axis": 0}], label="_float", diff=False),
    Case("fnp.average_weights", lambda x, w: fnp.average(x, axis=1, weights=w),
         [A(*S), Pos(4)], jax=lambda jnp, lax: lambda x, w: jnp.average(x, axis=1, weights=w)),
    Case("fnp.average_weights_full", lambda x, w: fnp.average(x, weights=w),
         [A(*S), Pos(*S)], jax=lambda jnp, lax: lambda x, w: jnp.average(x, weights=w)),
    Case("fnp.sum_int", lambda x: fnp.sum(x, axis=0), [Int(*S, dtype="int32")],
         jax=lambda jnp, lax: lambda x: jnp.sum(x, axis=0), diff=False),
    Case("fnp.prod_int", lambda x: fnp.prod(x, axis=1), [Int(*S, low=-3, high=4)],
         jax=lambda jnp, lax: lambda x: jnp.prod(x, axis=1), diff=False),
    Case("fnp.mean_int", fnp.mean, [Int(*S, high=9)], jax=lambda jnp, lax: jnp.mean,
         diff=False),
    Case("fnp.cumsum_bool", fnp.cumsum, [Const(BOOLS)], jax=lambda jnp, lax: jnp.cumsum,
         diff=False),
    Case("fnp.sum_dtype", lambda x: fnp.sum(x, dtype=np.float32), [A(*S)], diff=False,
         jax=lambda jnp, lax: lambda x: jnp.sum(x, dtype=np.float32), atol=1e-5, rtol=1e-5),
    Case("fnp.max_initial", lambda x: fnp.max(x, axis=0, initial=0.5), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.max(x, axis=0, initial=0.5)),
    # no winners (an empty axis with initial=, a slice of nan): the JVP of the reduction
    # divided 0 by 0 (NumPy's warning, an error in the tests); it is nan, JAX's 0 / 0,
    # built quietly. fnp.max's initial= then wins with a zero derivative (the result is the
    # constant initial; JAX's JVP there is its nan 0 / 0): not compared with JAX
    Case("fnp.max_initial_empty", lambda x: fnp.max(x, axis=1, initial=0.5), [A(3, 0)]),
    Case("fnp.min_initial_empty", lambda x: fnp.min(x, axis=0, initial=0.5), [A(0, 2)]),
    Case("fnp.max_nan_jvp", lambda x: fnp.max(x, axis=1),
         [Point([[1.0, np.nan, 2.0], [3.0, 1.0, 3.0]])],
         jax=lambda jnp, lax: lambda x: jnp.max(x, axis=1), order=0, modes=("fwd",)),
    Case("fnp.x.sum_method", lambda x: (x * 1.0).sum(axis=1) + (x * 1.0).mean(), [A(*S)],
         jax=lambda jnp, lax: lambda x: x.sum(axis=1) + x.mean()),
]

# where= masks: every row and column of MASK keeps at least two entries (var with ddof=1
# stays finite); MASK_ROW broadcasts over the rows (so it is used along axis 1 only: column
# 1 would select nothing).
MASK = np.array([[True, False, True, True], [True, True, False, True],
                 [False, True, True, False]])
MASK_ROW = np.array([True, False, True, True])
_WHERE_ROWS = [
    ("sum", {}, MASK), ("sum", {"axis": 1}, MASK_ROW), ("prod", {"axis": 0}, MASK),
    ("mean", {}, MASK), ("mean", {"axis": 1, "keepdims": True}, MASK),
    ("mean", {"axis": -1}, MASK_ROW), ("var", {"axis": 1, "ddof": 1}, MASK),
    ("var", {"axis": 1}, MASK_ROW), ("var", {"axis": 0}, MASK), ("std", {"axis": 0}, MASK),
    ("max", {"axis": 1, "initial": -5.0}, MASK), ("min", {"initial": 5.0}, MASK),
    ("nanmean", {"axis": 1}, MASK), ("nanvar", {"axis": 0, "ddof": 1}, MASK),
    ("nansum", {"axis": 0}, MASK_ROW), ("nanmax", {"axis": 0, "initial": -5.0}, MASK),
]


def _where_row(name, kwargs, mask):
    suffix = "".join(f"_{k}={v}" for k, v in kwargs.items()) + f"_mask{mask.ndim}d"
    return Case(f"fnp.{name}_where{suffix}",
                lambda x, m: getattr(fnp, name)(x, where=m, **kwargs), [A(*S), Const(mask)],
                jax=lambda jnp, lax: lambda x, m: getattr(jnp, name)(x, where=m, **kwargs))


CASES += [_where_row(*row) for row in _WHERE_ROWS] + [
    Case("fnp.all_where", lambda b, m: fnp.all(b, axis=1, where=m), [Const(BOOLS), Const(MASK)],
         jax=lambda jnp, lax: lambda b, m: jnp.all(b, axis=1, where=m), diff=False),
    Case("fnp.any_where", lambda b, m: fnp.any(b, axis=0, where=m), [Const(BOOLS), Const(MASK)],
         jax=lambda jnp, lax: lambda b, m: jnp.any(b, axis=0, where=m), diff=False),
    Case("fnp.var_given_mean", lambda x: fnp.var(x, axis=1, mean=fnp.mean(x, 1, keepdims=True)),
         [A(*S)], jax=lambda jnp, lax: lambda x: jnp.var(x, axis=1,
                                                         mean=jnp.mean(x, 1, keepdims=True))),
    Case("fnp.std_given_mean_where",
         lambda x, m: fnp.std(x, axis=0, where=m, mean=fnp.mean(x, 0, keepdims=True, where=m)),
         [A(*S), Const(MASK)], jax=lambda jnp, lax: lambda x, m: jnp.std(
             x, axis=0, where=m, mean=jnp.mean(x, 0, keepdims=True, where=m))),
]

# Degrees of freedom and integer dtype=: ddof past the count gives nan with a zero
# derivative (JAX's select); an integer dtype= computes in integers (the
# mean and the quotient truncate) with a floating variance (JAX's nan promotes it), also
# under where= (whose mean once ignored dtype=, and whose integer mean raised on its nan);
# nanvar keeps an integer dtype=, as jax.numpy's does.
INTS = Int(*S, low=-5, high=6)
CASES += [
    Case("fnp.var_ddof_past_count", lambda x: fnp.var(x, axis=0, ddof=5), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.var(x, axis=0, ddof=5), order=0),
    Case("fnp.var_ddof_past_count_0d", lambda x: fnp.var(x, ddof=2), [A()],
         jax=lambda jnp, lax: lambda x: jnp.var(x, ddof=2), order=0),
    Case("fnp.var_int_dtype", lambda x: fnp.var(x, axis=1, dtype=np.int64), [INTS],
         jax=lambda jnp, lax: lambda x: jnp.var(x, axis=1, dtype=np.int64), diff=False),
    Case("fnp.var_int_dtype_where", lambda x, m: fnp.var(x, axis=1, dtype=np.int64, where=m),
         [INTS, Const(MASK)], jax=lambda jnp, lax: lambda x, m: jnp.var(
             x, axis=1, dtype=np.int64, where=m), diff=False),
    Case("fnp.mean_int_dtype_where", lambda x, m: fnp.mean(x, axis=0, dtype=np.int64, where=m),
         [INTS, Const(MASK)], jax=lambda jnp, lax: lambda x, m: jnp.mean(
             x, axis=0, dtype=np.int64, where=m), diff=False),
    Case("fnp.nanmean_float_int_dtype", lambda x: fnp.nanmean(x, axis=0, dtype=np.int64),
         [A(*S, low=-5, high=5)],
         jax=lambda jnp, lax: lambda x: jnp.nanmean(x, axis=0, dtype=np.int64), diff=False),
    Case("fnp.nanvar_int_dtype", lambda x: fnp.nanvar(x, axis=1, dtype=np.int64), [INTS],
         jax=lambda jnp, lax: lambda x: jnp.nanvar(x, axis=1, dtype=np.int64), diff=False),
]
