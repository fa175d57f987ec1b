"""Table rows: indexing primitives, NumPy indexing expressions, x.at[...] updates, take."""

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax as flax
from tests.tables.spec import A, Case, Const, Int, Pos

S = (3, 4)
_ALL = ("slice", None, None, None)
_REV = ("slice", None, None, -1)
_DUP = np.array([0, 2, 0])  # a repeated index: updates must accumulate
_UNIQ = np.array([2, 0])


def _at(x):
    """``x.at`` for the NumPy arrays the value check passes (tracers have ``.at`` already)."""
    return fnp.asarray(x).at


LAX_CASES = [
    Case("lax.dynamic_slice", lambda x: flax.dynamic_slice(x, [1, 2], (2, 2)), [A(*S)],
         jax=lambda jnp, lax: lambda x: lax.dynamic_slice(x, (1, 2), (2, 2))),
    Case("lax.dynamic_slice_traced", lambda x, i, j: flax.dynamic_slice(x, [i, j], (2, 3)),
         [A(*S), Int(), Int()],
         jax=lambda jnp, lax: lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 3))),
    Case("lax.dynamic_slice_clamped", lambda x, i: flax.dynamic_slice(x, [i, -3], (2, 2)),
         [A(*S), Const(np.int64(7))],
         jax=lambda jnp, lax: lambda x, i: lax.dynamic_slice(x, (i, -3), (2, 2))),
    Case("lax.dynamic_update_slice",
         lambda x, u, i: flax.dynamic_update_slice(x, u, [i, np.int64(1)]),
         [A(*S), A(2, 3), Int()],
         jax=lambda jnp, lax: lambda x, u, i: lax.dynamic_update_slice(x, u, (i, 1))),
    Case("lax.dynamic_update_slice_clamped",
         lambda x, u: flax.dynamic_update_slice(x, u, [np.int64(-2), np.int64(9)]),
         [A(*S), A(1, 2)],
         jax=lambda jnp, lax: lambda x, u: lax.dynamic_update_slice(x, u, (-2, 9))),
    Case("lax.gather", lambda x, i: flax.gather(x, [i], (_REV, ("array", 0))),
         [A(*S), Const(np.array([[3, 0], [1, 1]]))],
         jax=lambda jnp, lax: lambda x, i: x[::-1, i]),
    Case("lax.gather_basic", lambda x: flax.gather(x, [], (("newaxis",), ("int", -1))),
         [A(*S)], jax=lambda jnp, lax: lambda x: x[None, -1]),
    Case("lax.scatter_add_dup", lambda x, u: flax.scatter_add(x, u, [_DUP], (("array", 0),)),
         [A(*S), A(3, 4)],
         jax=lambda jnp, lax: lambda x, u: jnp.asarray(x).at[_DUP].add(u)),
    Case("lax.scatter", lambda x, u: flax.scatter(x, u, [_UNIQ], (_ALL, ("array", 0))),
         [A(*S), A(3, 2)],
         jax=lambda jnp, lax: lambda x, u: jnp.asarray(x).at[:, _UNIQ].set(u)),
    # Which repeated update wins is unspecified in JAX; check derivatives only.
    Case("lax.scatter_dup", lambda x, u: flax.scatter(x, u, [_DUP], (("array", 0),)),
         [A(*S), A(3, 4)]),
    Case("lax.scatter_mul", lambda x, u: flax.scatter_mul(x, u, [_UNIQ], (_ALL, ("array", 0))),
         [A(*S), A(3, 2)],
         jax=lambda jnp, lax: lambda x, u: jnp.asarray(x).at[:, _UNIQ].multiply(
             u, unique_indices=True)),
    Case("lax.scatter_min_dup", lambda x, u: flax.scatter_min(x, u, [_DUP], (("array", 0),)),
         [A(*S), A(3, 4)], jax=lambda jnp, lax: lambda x, u: jnp.asarray(x).at[_DUP].min(u)),
    Case("lax.scatter_max_dup", lambda x, u: flax.scatter_max(x, u, [_DUP], (("array", 0),)),
         [A(*S), A(3, 4)], jax=lambda jnp, lax: lambda x, u: jnp.asarray(x).at[_DUP].max(u)),
    Case("lax.scatter_sub_dup", lambda x, u: flax.scatter_sub(x, u, [_DUP], (("array", 0),)),
         [A(*S), A(3, 4)],
         jax=lambda jnp, lax: lambda x, u: jnp.asarray(x).at[_DUP].subtract(u)),
    # JAX's scatter_apply has no JVP: derivatives only (values: tests/test_lax_tier2.py)
    Case("lax.scatter_apply_dup",
         lambda x: flax.scatter_apply(x, [_DUP], fnp.sin, (("array", 0),)), [A(*S)]),
    # JAX's dimension-numbers form (x[:, i]'s gather and x.at[i].add's scatter)
    Case("lax.gather_dimension_numbers",
         lambda x: flax.gather(x, _UNIQ[:, None], flax.GatherDimensionNumbers((0,), (1,), (1,)),
                               (3, 1), mode=flax.GatherScatterMode.PROMISE_IN_BOUNDS), [A(*S)],
         jax=lambda jnp, lax: lambda x: lax.gather(
             x, _UNIQ[:, None], lax.GatherDimensionNumbers((0,), (1,), (1,)), (3, 1),
             mode=lax.GatherScatterMode.PROMISE_IN_BOUNDS)),
    Case("lax.scatter_add_dimension_numbers",
         lambda x, u: flax.scatter_add(x, _DUP[:, None], u,
                                       flax.ScatterDimensionNumbers((1,), (0,), (0,))),
         [A(*S), A(3, 4)],
         jax=lambda jnp, lax: lambda x, u: lax.scatter_add(
             x, _DUP[:, None], u, lax.ScatterDimensionNumbers((1,), (0,), (0,)))),
]

GETITEM_CASES = [
    Case(f"fnp.getitem[{name}]", fun, [A(*shape)], jax=lambda jnp, lax, fun=fun: fun)
    for name, shape, fun in [
        ("1:,::-1", S, lambda x: x[1:, ::-1]),
        ("None,...,0", S, lambda x: x[None, ..., 0]),
        ("-1", S, lambda x: x[-1]),
        ("-2:,1::2", S, lambda x: x[-2:, 1::2]),
        ("3:0:-2", S, lambda x: x[:, 3:0:-2]),
        ("...,None", S, lambda x: x[..., None]),
        ("0,0", S, lambda x: x[0, -1]),
        ("list_dup", S, lambda x: x[np.array([0, 2, 2])]),
        (":,arr2d", S, lambda x: x[:, np.array([[3, 0], [1, 1]])]),
        ("int,arr", S, lambda x: x[1, np.array([0, 2])]),
        ("arr,arr", S, lambda x: x[np.array([0, 2]), np.array([-1, 1])]),
        ("bcast_arrs", S, lambda x: x[np.array([[0], [2]]), np.array([1, 3, 3])]),
        ("split_adv", (3, 4, 2), lambda x: x[np.array([0, 1]), :, np.array([1, 0])]),
        ("None,adv,adv", (3, 4, 2), lambda x: x[:, None, np.array([1, 2]), np.array([0, 0])]),
        ("mask", S, lambda x: x[np.array([True, False, True])]),
        ("mask2d", S, lambda x: x[np.arange(12).reshape(S) % 3 == 0]),
        ("size1", (3, 1), lambda x: x[::-1, 0]),
    ]
]

# NumPy-style lists are not valid JAX indices, so their references use arrays.
LIST_CASES = [
    Case("fnp.getitem[list]", lambda x: x[[0, 2, 2]], [A(*S)],
         jax=lambda jnp, lax: lambda x: x[np.array([0, 2, 2])]),
    Case("fnp.getitem[:,list]", lambda x: x[:, [3, 0]], [A(*S)],
         jax=lambda jnp, lax: lambda x: x[:, np.array([3, 0])]),
    Case("fnp.getitem[traced_int]", lambda x, i: x[i], [A(*S), Int()],
         jax=lambda jnp, lax: lambda x, i: x[i]),
    Case("fnp.getitem[traced_neg_int]", lambda x, i: x[:, i], [A(*S), Int(low=-4, high=0)],
         jax=lambda jnp, lax: lambda x, i: x[:, i]),
    Case("fnp.getitem[traced_arr]", lambda x, i: x[i, 1:], [A(*S), Int(5)],
         jax=lambda jnp, lax: lambda x, i: x[i, 1:]),
    Case("fnp.getitem[value_mask]", lambda x: fnp.indexing.getitem(x, x > 0.5), [A(*S)],
         jax=lambda jnp, lax: lambda x: x[x > 0.5], batch=False),
]

AT_CASES = [
    Case("fnp.at.add_dup", lambda x, v: _at(x)[[0, 2, 0]].add(v), [A(*S), A(4)],
         jax=lambda jnp, lax: lambda x, v: jnp.asarray(x).at[_DUP].add(v)),
    Case("fnp.at.add_scalar", lambda x: _at(x)[1:, ::2].add(2.5), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.asarray(x).at[1:, ::2].add(2.5)),
    Case("fnp.at.subtract", lambda x, v: _at(x)[:, [1, 1]].subtract(v), [A(*S), A(3, 1)],
         jax=lambda jnp, lax: lambda x, v: jnp.asarray(x).at[:, np.array([1, 1])].add(-v)),
    Case("fnp.at.set", lambda x, v: _at(x)[[2, 0], 1:].set(v), [A(*S), A(2, 3)],
         jax=lambda jnp, lax: lambda x, v: jnp.asarray(x).at[_UNIQ, 1:].set(v)),
    Case("fnp.at.set_bcast", lambda x, v: _at(x)[:, 1].set(v), [A(*S), A()],
         jax=lambda jnp, lax: lambda x, v: jnp.asarray(x).at[:, 1].set(v)),
    Case("fnp.at.set_const", lambda x: _at(x)[None, ..., -1].set(0.0), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.asarray(x).at[None, ..., -1].set(0.0)),
    Case("fnp.at.set_traced_idx", lambda x, i, v: _at(x)[i].set(v), [A(*S), Int(), A(4)],
         jax=lambda jnp, lax: lambda x, i, v: jnp.asarray(x).at[i].set(v)),
    Case("fnp.at.set_dup", lambda x, v: _at(x)[[0, 2, 0]].set(v), [A(*S), A(3, 4)]),
    Case("fnp.at.multiply", lambda x, v: _at(x)[[2, 0]].multiply(v), [A(*S), A(2, 4)],
         jax=lambda jnp, lax: lambda x, v: jnp.asarray(x).at[_UNIQ].multiply(
             v, unique_indices=True)),
    Case("fnp.at.divide", lambda x, v: _at(x)[1, [3, 1]].divide(v), [A(*S), Pos(2)],
         jax=lambda jnp, lax: lambda x, v: jnp.asarray(x).at[1, np.array([3, 1])].divide(
             v, unique_indices=True)),
    Case("fnp.at.power", lambda x, v: _at(x)[:2].power(v), [Pos(*S), A(4)],
         jax=lambda jnp, lax: lambda x, v: jnp.asarray(x).at[:2].power(v)),
    Case("fnp.at.min_dup", lambda x, v: _at(x)[[0, 2, 0]].min(v), [A(*S), A(3, 4)],
         jax=lambda jnp, lax: lambda x, v: jnp.asarray(x).at[_DUP].min(v)),
    Case("fnp.at.max", lambda x, v: _at(x)[:, 1:3].max(v), [A(*S), A(3, 1)],
         jax=lambda jnp, lax: lambda x, v: jnp.asarray(x).at[:, 1:3].max(v)),
    Case("fnp.at.get", lambda x: _at(x)[::-1, [0, 0]].get(), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.asarray(x).at[::-1, np.array([0, 0])].get()),
    Case("fnp.at.add_int_cast", lambda x: _at(x)[0].add(np.arange(4, dtype=np.int32)),
         [Int(*S)], diff=False,
         jax=lambda jnp, lax: lambda x: jnp.asarray(x).at[0].add(np.arange(4, dtype=np.int32))),
]

TAKE_CASES = [
    Case("fnp.take", lambda x: fnp.take(x, np.array([[2, 0], [-1, 2]]), axis=1), [A(3, 4, 2)],
         jax=lambda jnp, lax: lambda x: jnp.take(x, np.array([[2, 0], [-1, 2]]), axis=1)),
    Case("fnp.take_flat", fnp.take, [A(*S), Int(3, high=12)], jax=lambda jnp, lax: jnp.take),
    Case("fnp.take_scalar", lambda x: fnp.take(x, -1, axis=0), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.take(x, -1, axis=0)),
    *[Case(f"fnp.take_{mode}", lambda x, mode=mode: fnp.take(x, np.array([-7, -1, 0, 4, 5]),
                                                           axis=-1, mode=mode),
           [A(3, 5)],
           jax=lambda jnp, lax, mode=mode: lambda x: jnp.take(x, np.array([-7, -1, 0, 4, 5]),
                                                              axis=-1, mode=mode))
      for mode in ["clip", "wrap"]],
    Case("fnp.take_fill", lambda x: fnp.take(x, np.array([-7, -1, 5]), 1, mode="fill",
                                             fill_value=0.5), [A(3, 5)],
         jax=lambda jnp, lax: lambda x: jnp.take(x, np.array([-7, -1, 5]), 1, mode="fill",
                                                 fill_value=0.5)),
    Case("fnp.take_fill_nan", lambda x: fnp.take(x, np.array([[-7], [5]]), mode="fill"),
         [A(3, 5)], diff=False,
         jax=lambda jnp, lax: lambda x: jnp.take(x, np.array([[-7], [5]]), mode="fill")),
    Case("fnp.take_fill_int", lambda x: fnp.take(x, np.array([-7, 2]), 0, mode="fill"),
         [Int(3, 5)], diff=False,
         jax=lambda jnp, lax: lambda x: jnp.take(x, np.array([-7, 2]), 0, mode="fill")),
    Case("fnp.take_along_axis", lambda x: fnp.take_along_axis(
        x, np.array([[0, 2], [1, 1], [3, -1]]), axis=1), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.take_along_axis(
             x, np.array([[0, 2], [1, 1], [3, -1]]), axis=1)),
    *[Case(f"fnp.take_along_axis_{mode}_wrap_{wrap}", lambda x, mode=mode, wrap=wrap:
           fnp.take_along_axis(x, np.array([[0, -2], [-5, 1], [4, -1]]), 1, mode, 0.5,
                               wrap_negative_indices=wrap), [A(*S)],
           jax=lambda jnp, lax, mode=mode, wrap=wrap: lambda x: jnp.take_along_axis(
               x, np.array([[0, -2], [-5, 1], [4, -1]]), 1, mode, 0.5,
               wrap_negative_indices=wrap))
      for mode in ["clip", "fill"] for wrap in [True, False]],
    Case("fnp.take_along_axis_bcast", lambda x, i: fnp.take_along_axis(x, i, axis=0),
         [A(*S), Int(2, 1)],
         jax=lambda jnp, lax: lambda x, i: jnp.take_along_axis(x, i, axis=0)),
    Case("fnp.take_along_axis_none", lambda x, i: fnp.take_along_axis(x, i, axis=None),
         [A(*S), Int(5, high=12)],
         jax=lambda jnp, lax: lambda x, i: jnp.take_along_axis(x, i, axis=None)),
]

CASES = LAX_CASES + GETITEM_CASES + LIST_CASES + AT_CASES + TAKE_CASES

CASES += [
    Case("fnp.nonzero", lambda x: fnp.nonzero(x > 0.5), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.nonzero(x > 0.5), batch=False, diff=False),
    Case("fnp.nonzero[size_pad]", lambda x: fnp.nonzero(x > 0.5, size=9, fill_value=-1),
         [A(*S)], jax=lambda jnp, lax: lambda x: jnp.nonzero(x > 0.5, size=9, fill_value=-1),
         diff=False),
    Case("fnp.nonzero[size_cut]", lambda x: fnp.nonzero(x, size=2), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.nonzero(x, size=2), diff=False),
    Case("fnp.nonzero[size_fill_per_dim]",
         lambda x: fnp.nonzero(x > 0.0, size=14, fill_value=(7, 8)), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.nonzero(x > 0.0, size=14, fill_value=(7, 8)),
         diff=False),
]
