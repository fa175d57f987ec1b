"""lax tier-2 names compared with JAX 0.10.2 (x64 on): scatter_sub and scatter_apply
(values, grad, vmap, jit). The collectives all_to_all/pswapaxes/pshuffle are rows of
tests/test_collectives.py (vmap) and tests/test_distributed.py's CASES (pmap)."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax as flax
from fungrad.errors import ShapeError
from fungrad.test_util import check_grads

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp, jlax = jax.numpy, jax.lax

RNG = np.random.default_rng(3)
SPEC0 = (("array", 0),)


def _close(a, b, tol=1e-12):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _dnums_rows():
    """JAX's dimension numbers of ``x.at[idx]`` for one integer array on axis 0."""
    return jlax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                        scatter_dims_to_operand_dims=(0,))


# ---------------------------------------------------------------------------------------
# scatter_sub

X = RNG.standard_normal((5, 3))
IDX = np.array([3, 0, 3, 1])  # a repeat: updates accumulate
UPD = RNG.standard_normal((4, 3))


def _sub_ours(x, u, idx=IDX):
    return flax.scatter_sub(x, u, [idx], SPEC0)


def _sub_jax(x, u, idx=IDX):
    return jlax.scatter_sub(x, jnp.asarray(idx)[:, None], u, _dnums_rows())


def test_scatter_sub_values_jit_and_dtypes():
    _close(_sub_ours(X, UPD), _sub_jax(X, UPD))
    _close(fg.jit(_sub_ours)(X, UPD), _sub_jax(X, UPD))
    xi, ui = np.arange(15, dtype=np.int32).reshape(5, 3), np.ones((4, 3), np.int32)
    _close(_sub_ours(xi, ui), _sub_jax(xi, ui))
    xu, uu = np.zeros((5, 3), np.uint8), np.full((4, 3), 3, np.uint8)  # wraps around
    _close(_sub_ours(xu, uu), _sub_jax(xu, uu))
    # a traced index
    _close(fg.jit(lambda i: _sub_ours(X, UPD, i))(IDX), _sub_jax(X, UPD))


def test_scatter_sub_derivatives_and_vmap():
    w = RNG.standard_normal(X.shape)
    for argnums in (0, 1, (0, 1)):
        got = fg.grad(lambda x, u: fnp.sum(_sub_ours(x, u) ** 2 * w), argnums)(X, UPD)
        want = jax.grad(lambda x, u: jnp.sum(_sub_jax(x, u) ** 2 * w), argnums)(X, UPD)
        for g, e in zip(fg.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
            _close(g, e)
    check_grads(_sub_ours, (X, UPD), order=2)
    us = np.stack([UPD, 2 * UPD])
    _close(fg.vmap(_sub_ours, in_axes=(None, 0))(X, us),
           jax.vmap(_sub_jax, in_axes=(None, 0))(X, us))
    idxs = np.array([IDX, IDX[::-1]])
    _close(fg.vmap(lambda i: _sub_ours(X, UPD, i))(idxs),
           jax.vmap(lambda i: _sub_jax(X, UPD, i))(idxs))


def test_scatter_sub_error_names_the_shapes():
    with pytest.raises(ShapeError, match=r"scatter_add: updates of shape \(2, 3\) differ"):
        flax.scatter_sub(X, UPD[:2], [IDX], SPEC0)


# ---------------------------------------------------------------------------------------
# scatter_apply: once per occurrence, as JAX


def _apply_jax(x, idx, func):
    dn = jlax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                      scatter_dims_to_operand_dims=(0,))
    return jlax.scatter_apply(x, jnp.asarray(idx)[:, None], func, dn, update_shape=idx.shape)


@pytest.mark.parametrize("idx", [np.array([1, 1, 3]), np.array([4, 0, 0, 0, 2]),
                                 np.array([2]), np.array([], np.int64)], ids=str)
def test_scatter_apply_values_repeat_per_occurrence(idx):
    x = np.linspace(0.1, 0.9, 5)

    def ours(v, i=idx):
        return flax.scatter_apply(v, [i], lambda t: fnp.sin(t) + 1.0, SPEC0)

    want = _apply_jax(x, idx, lambda t: jnp.sin(t) + 1.0)
    _close(ours(x), want)
    _close(fg.jit(ours)(x), want)
    if idx.size:
        _close(fg.jit(lambda i: ours(x, i))(idx), want)  # traced indices: masked rounds
    xs = np.stack([x, x[::-1]])
    _close(fg.vmap(ours)(xs), jax.vmap(lambda v: _apply_jax(v, idx, lambda t: jnp.sin(t) + 1))(
        xs))


def test_scatter_apply_integers_and_2d_index():
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    spec = (("array", 0), ("slice", None, None, None))
    got = flax.scatter_apply(x, [np.array([2, 0, 2])], lambda t: t * 2, spec)
    dn = jlax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                      scatter_dims_to_operand_dims=(0,))
    want = jlax.scatter_apply(x, jnp.array([[2], [0], [2]]), lambda t: t * 2, dn,
                              update_shape=(3, 4))
    _close(got, want)


def test_scatter_apply_is_differentiable():
    """JAX's scatter_apply has no derivative; ours composes gather/scatter/select."""
    x = np.linspace(0.1, 0.9, 5)
    idx = np.array([1, 1, 3])
    f = lambda v: flax.scatter_apply(v, [idx], fnp.sin, SPEC0)  # noqa: E731
    check_grads(f, (x,), order=2)
    g = fg.grad(lambda v: fnp.sum(f(v)))(x)
    want = np.ones(5)
    want[1] = np.cos(np.sin(x[1])) * np.cos(x[1])
    want[3] = np.cos(x[3])
    _close(g, want)
    traced = fg.grad(lambda v: fnp.sum(fg.jit(lambda u, i: flax.scatter_apply(
        u, [i], fnp.sin, SPEC0))(v, idx)))(x)
    _close(traced, want)


def test_scatter_apply_errors():
    with pytest.raises(NotImplementedError, match="scatter_apply: mode='clip'.*x.at"):
        flax.scatter_apply(np.zeros(3), [np.array([0])], fnp.sin, SPEC0, mode="clip")
    with pytest.raises(ShapeError, match=r"scatter_apply: update_shape=\(2,\) differs"):
        flax.scatter_apply(np.zeros(3), [np.array([0])], fnp.sin, SPEC0, update_shape=(2,))


# ---------------------------------------------------------------------------------------
# GatherScatterMode and the dimension-number types


def test_gather_scatter_mode_matches_jax():
    assert [(m.name, m.value) for m in flax.GatherScatterMode] == [
        (m.name, m.value) for m in jlax.GatherScatterMode]
    for s in (None, "clip", "fill", "drop", "promise_in_bounds", "one_hot",
              flax.GatherScatterMode.CLIP):
        theirs = jlax.GatherScatterMode.from_any(
            jlax.GatherScatterMode.CLIP if isinstance(s, flax.GatherScatterMode) else s)
        assert flax.GatherScatterMode.from_any(s).name == theirs.name
    with pytest.raises(ValueError, match='from_any: unknown gather mode "3"'):
        flax.GatherScatterMode.from_any(3)


def test_dimension_number_types_match_jax():
    for name in ("GatherDimensionNumbers", "ScatterDimensionNumbers"):
        ours, theirs = getattr(flax, name), getattr(jlax, name)
        assert ours._fields == theirs._fields
        assert ours._field_defaults == theirs._field_defaults
    assert str(flax.DotDimensionNumbers).startswith("tuple[tuple[")
    x = RNG.standard_normal((2, 5, 5, 3))  # NHWC
    w = RNG.standard_normal((3, 3, 3, 4))  # HWIO
    dn = flax.conv_dimension_numbers(x.shape, w.shape, ("NHWC", "HWIO", "NHWC"))
    assert isinstance(dn, flax.ConvDimensionNumbers)
    jdn = jlax.conv_dimension_numbers(x.shape, w.shape, ("NHWC", "HWIO", "NHWC"))
    want = jlax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=jdn)
    _close(flax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=dn), want, 1e-10)
    _close(flax.conv_general_dilated(x, w, (1, 1), "SAME",
                                     dimension_numbers=flax.ConvDimensionNumbers(*jdn)), want,
           1e-10)


def test_at_and_take_accept_gather_scatter_mode():
    x = fnp.arange(5.0)
    idx = np.array([1, 7, -9])
    jx = jnp.arange(5.0)
    for m in ("CLIP", "FILL_OR_DROP", "PROMISE_IN_BOUNDS"):
        ours, theirs = flax.GatherScatterMode[m], jlax.GatherScatterMode[m]
        if m != "PROMISE_IN_BOUNDS":  # fungrad raises out of bounds there, as NumPy
            _close(x.at[idx].get(mode=ours), jx.at[idx].get(mode=theirs))
            _close(x.at[idx].add(1.0, mode=ours), jx.at[idx].add(1.0, mode=theirs))
            _close(x.at[idx].apply(fnp.sin, mode=ours), jx.at[idx].apply(jnp.sin, mode=theirs))
            # jnp.take takes only strings
            _close(fnp.take(x, idx, mode=ours), jnp.take(jx, idx, mode=m.split("_")[0].lower()))
        _close(x.at[np.array([0, 2])].set(9.0, mode=ours),
               jx.at[np.array([0, 2])].set(9.0, mode=theirs))
    _close(fnp.take_along_axis(x, np.array([4, 0]), 0, mode=flax.GatherScatterMode.CLIP),
           jnp.take_along_axis(jx, jnp.array([4, 0]), 0, mode=jlax.GatherScatterMode.CLIP))
    with pytest.raises(NotImplementedError, match=r"x.at\[...\].get: mode=.*ONE_HOT"):
        x.at[idx].get(mode=flax.GatherScatterMode.ONE_HOT)


# ---------------------------------------------------------------------------------------
# lax.gather / the scatters with JAX's dimension numbers, as jax.make_jaxpr shows them


def _eqn_params(fun, *args, prim):
    """The params of the first ``prim`` equation of ``fun``'s jaxpr (nested ones too)."""
    def walk(jaxpr):
        for eqn in jaxpr.eqns:
            if eqn.primitive.name == prim:
                return eqn.params
            for p in eqn.params.values():
                inner = getattr(p, "jaxpr", None)
                inner = getattr(inner, "jaxpr", inner) if inner is not None else None
                found = inner is not None and hasattr(inner, "eqns") and walk(inner)
                if found:
                    return found
        return None

    return walk(jax.make_jaxpr(fun)(*args).jaxpr)


def _ours(params, kind):
    dn = getattr(flax, kind)(*params["dimension_numbers"])
    return dn, flax.GatherScatterMode[params["mode"].name]


X53 = RNG.standard_normal((5, 3))
I2 = np.array([4, 0, 4])
J2 = np.array([2, 0, 1])
TA1 = np.array([[0, 2], [1, 1], [2, 0], [0, 0], [1, 2]])
TA0 = np.array([[0, 4, 2], [3, 1, 1]])
OUT = np.array([1, 9, -7])  # out of bounds for both axes
# name: (JAX function of (x, i), its i, the index operand of the gather it makes)
GATHER_ROWS = {
    "x[idx]": (lambda x, i: x[i], I2, I2[:, None]),
    "x[:, idx]": (lambda x, i: x[:, i], J2, J2[:, None]),
    "x[i, j]": (lambda x, i: x[i, jnp.array([2, 0, 1])], I2, np.stack([I2, J2], -1)),
    "take_along_axis_1": (lambda x, i: jnp.take_along_axis(x, i, axis=1), TA1, TA1[..., None]),
    "take_along_axis_0": (lambda x, i: jnp.take_along_axis(x, i, axis=0), TA0, TA0[..., None]),
    "take_fill": (lambda x, i: jnp.take(x, i, axis=0, mode="fill"), OUT, OUT[:, None]),
    "take_clip": (lambda x, i: jnp.take(x, i, axis=1, mode="clip"), OUT, OUT[:, None]),
}


@pytest.mark.parametrize("name", list(GATHER_ROWS))
def test_gather_with_jax_dimension_numbers(name):
    jfun, jarg, idx = GATHER_ROWS[name]
    p = _eqn_params(jfun, X53, jarg, prim="gather")
    dn, mode = _ours(p, "GatherDimensionNumbers")
    sizes, fill = p["slice_sizes"], p["fill_value"]

    def theirs(x, i):
        return jlax.gather(x, i, p["dimension_numbers"], sizes, mode=p["mode"], fill_value=fill)

    def ours(x, i):
        return flax.gather(x, i, dn, sizes, mode=mode, fill_value=fill)

    want = theirs(X53, idx)
    if "fill" not in name and "clip" not in name:
        _close(want, jfun(X53, jarg))  # the index operand is the one JAX builds
    _close(ours(X53, idx), want)
    _close(fg.jit(ours)(X53, idx), want)
    w = RNG.standard_normal(np.shape(want))
    _close(fg.grad(lambda x: fnp.sum(fnp.nan_to_num(ours(x, idx)) * w))(X53),
           jax.grad(lambda x: jnp.sum(jnp.nan_to_num(theirs(x, idx)) * w))(X53))
    xs = np.stack([X53, -X53])
    _close(fg.vmap(ours, in_axes=(0, None))(xs, idx), jax.vmap(theirs, in_axes=(0, None))(xs, idx))


U3 = RNG.standard_normal((3, 3))
# name: (JAX x.at function of (x, i, u), its i, the scatter's index operand, its updates)
SCATTER_ROWS = {
    "at[idx].add": (lambda x, i, u: x.at[i].add(u), "scatter-add", I2, I2[:, None], U3),
    "at[idx].set": (lambda x, i, u: x.at[i].set(u), "scatter", np.array([4, 0, 2]),
                    np.array([[4], [0], [2]]), U3),
    "at[idx].mul": (lambda x, i, u: x.at[i].multiply(u), "scatter-mul", np.array([4, 0, 2]),
                    np.array([[4], [0], [2]]), U3),
    "at[idx].min": (lambda x, i, u: x.at[i].min(u), "scatter-min", I2, I2[:, None], U3),
    "at[idx].max": (lambda x, i, u: x.at[i].max(u), "scatter-max", I2, I2[:, None], U3),
    "at[:, idx].add": (lambda x, i, u: x.at[:, i].add(u), "scatter-add", J2[:2],
                       J2[:2, None], RNG.standard_normal((5, 2))),
    "at[i, j].add": (lambda x, i, u: x.at[i, jnp.array([2, 0, 1])].add(u), "scatter-add", I2,
                     np.stack([I2, J2], -1), U3[0]),
    "at[out].add drop": (lambda x, i, u: x.at[i].add(u, mode="drop"), "scatter-add", OUT,
                         OUT[:, None], U3),
    "at[out].add clip": (lambda x, i, u: x.at[i].add(u, mode="clip"), "scatter-add", OUT,
                         OUT[:, None], U3),
}
SCATTERS = {"scatter-add": "scatter_add", "scatter": "scatter", "scatter-mul": "scatter_mul",
            "scatter-min": "scatter_min", "scatter-max": "scatter_max"}


@pytest.mark.parametrize("name", list(SCATTER_ROWS))
def test_scatters_with_jax_dimension_numbers(name):
    jfun, prim, jarg, idx, upd = SCATTER_ROWS[name]
    p = _eqn_params(jfun, X53, jarg, upd, prim=prim)
    dn, mode = _ours(p, "ScatterDimensionNumbers")
    fn = SCATTERS[prim]
    names = [fn] + (["scatter_sub"] if fn == "scatter_add" else [])
    for fn in names:
        def theirs(x, u, fn=fn):
            return getattr(jlax, fn)(x, idx, u, p["dimension_numbers"], mode=p["mode"])

        def ours(x, u, fn=fn):
            return getattr(flax, fn)(x, idx, u, dn, mode=mode)

        want = theirs(X53, upd)
        if fn != "scatter_sub":
            _close(want, jfun(jnp.asarray(X53), jarg, upd))  # JAX's own index operand
        _close(ours(X53, upd), want)
        _close(fg.jit(ours)(X53, upd), want)
        w = RNG.standard_normal(X53.shape)
        if fn != "scatter_mul":  # JAX's scatter_mul derivative needs unique indices
            for g, e in zip(fg.grad(lambda x, u: fnp.sum(ours(x, u) * w), (0, 1))(X53, upd),
                            jax.grad(lambda x, u: jnp.sum(theirs(x, u) * w), (0, 1))(X53, upd)):
                _close(g, e)
        us = np.stack([upd, 2 * upd])
        _close(fg.vmap(ours, in_axes=(None, 0))(X53, us),
               jax.vmap(theirs, in_axes=(None, 0))(X53, us))


def test_scatter_apply_with_jax_dimension_numbers():
    dn = flax.ScatterDimensionNumbers((), (0,), (0,))
    jdn = jlax.ScatterDimensionNumbers((), (0,), (0,))
    x, idx = np.linspace(0.1, 0.9, 5), np.array([[1], [1], [3], [9], [-1]])
    for m in ("CLIP", "FILL_OR_DROP", "PROMISE_IN_BOUNDS"):
        want = jlax.scatter_apply(x, idx, jnp.sin, jdn, update_shape=(5,),
                                  mode=jlax.GatherScatterMode[m])
        got = flax.scatter_apply(x, idx, fnp.sin, dn, update_shape=(5,),
                                 mode=flax.GatherScatterMode[m])
        _close(got, want)
        _close(fg.jit(lambda v, m=m: flax.scatter_apply(
            v, idx, fnp.sin, dn, mode=flax.GatherScatterMode[m]))(x), want)


def test_untranslatable_dimension_numbers_raise():
    # lax.dynamic_slice's gather: a window of 2 rows at a start index
    dn = flax.GatherDimensionNumbers(offset_dims=(0, 1), collapsed_slice_dims=(),
                                     start_index_map=(0,))
    with pytest.raises(NotImplementedError, match=r"lax.gather: GatherDimensionNumbers\(.*"
                       r"slice_sizes=\(2, 3\).*not pure indexing"):
        flax.gather(X53, np.array([1]), dn, (2, 3))
    sdn = flax.ScatterDimensionNumbers((0, 1), (), (0,))
    with pytest.raises(NotImplementedError, match="lax.scatter_add: ScatterDimensionNumbers"):
        flax.scatter_add(X53, np.array([1]), np.ones((2, 3)), sdn)
    with pytest.raises(NotImplementedError, match="ONE_HOT"):
        flax.gather(X53, I2[:, None], flax.GatherDimensionNumbers((1,), (0,), (0,)), (1, 3),
                    mode=flax.GatherScatterMode.ONE_HOT)
    with pytest.raises(ShapeError, match="last axis of length 1"):
        flax.gather(X53, I2, flax.GatherDimensionNumbers((1,), (0,), (0,)), (1, 3))
    with pytest.raises(NotImplementedError, match="lax.gather: mode='clip' with an index_spec"):
        flax.gather(X53, [I2], SPEC0, mode="clip")


# ---------------------------------------------------------------------------------------
# rng_uniform (stateful), rng_bit_generator (keyed), random_gamma_grad


def test_rng_uniform_range_dtypes_and_state():
    for a, b in ((np.float64(2.0), np.float64(3.0)), (np.float32(-1), np.float32(1)),
                 (np.int32(3), np.int32(7))):
        u = flax.rng_uniform(a, b, (500,))
        j = jlax.rng_uniform(a, b, (500,))
        assert u.shape == j.shape and u.dtype == j.dtype
        assert (np.asarray(u) >= a).all() and (np.asarray(u) < b).all()
    assert set(np.asarray(flax.rng_uniform(np.int32(3), np.int32(7), (500,)))) == {3, 4, 5, 6}
    assert flax.rng_uniform(0.0, 1.0, ()).dtype == jlax.rng_uniform(0.0, 1.0, ()).dtype
    f = fg.jit(lambda: flax.rng_uniform(0.0, 1.0, (4,)))
    assert not np.array_equal(f(), f())  # stateful inside jit too, as JAX's
    ir = fg.make_ir(lambda: (flax.rng_uniform(0.0, 1.0, (2,)), flax.rng_uniform(0.0, 1.0, (2,))))()
    assert [e.prim.name for e in ir.eqns].count("rng_uniform") == 2  # not deduplicated
    with pytest.raises(TypeError, match="rng_uniform: a and b must have the same dtype"):
        flax.rng_uniform(np.float32(0), 1.0, (2,))
    with pytest.raises(ShapeError, match="rng_uniform: a and b must be scalars"):
        flax.rng_uniform(np.zeros(2), 1.0, (2,))


def test_rng_uniform_jvp_and_vmap():
    """JAX has neither; ours is ``a + (b - a) * u`` for the drawn ``u``."""
    a, b = np.float64(1.0), np.float64(3.0)
    x, t = fg.jvp(lambda a: flax.rng_uniform(a, b, (3,)), (a,), (np.float64(1.0),))
    _close(t, (b - np.asarray(x)) / (b - a))
    x, t = fg.jvp(lambda a, b: flax.rng_uniform(a, b, (5,)), (a, b), (np.float64(1.0),
                                                                      np.float64(1.0)))
    _close(t, np.ones(5))  # shifting both bounds shifts every draw
    x, t = fg.jvp(lambda b: flax.rng_uniform(a, b, (5,)), (b,), (np.float64(1.0),))
    _close(t, (np.asarray(x) - a) / (b - a))
    lanes = fg.vmap(lambda lo: flax.rng_uniform(lo, lo + 1.0, (4,)))(np.array([0.0, 10.0]))
    assert lanes.shape == (2, 4)
    assert (np.asarray(lanes[1]) >= 10).all() and (np.asarray(lanes[1]) < 11).all()
    assert (np.asarray(lanes[0]) < 1).all()


def test_rng_bit_generator():
    from fungrad import random

    key = random.key(0)
    new, b = flax.rng_bit_generator(key, (2, 3))
    jnew, jb = jlax.rng_bit_generator(np.zeros(4, np.uint32), (2, 3))
    assert (b.shape, b.dtype) == (jb.shape, jb.dtype)
    assert (new.shape, new.dtype) == ((2,), np.uint32)  # fungrad's raw key, JAX's is [4]
    assert not np.array_equal(new, key)
    new2, b2 = flax.rng_bit_generator(key, (2, 3))
    assert np.array_equal(new, new2) and np.array_equal(b, b2)  # pure in the key
    assert not np.array_equal(flax.rng_bit_generator(new, (2, 3))[1], b)
    jn, jb = fg.jit(lambda k: flax.rng_bit_generator(k, (2, 3)))(key)
    assert np.array_equal(jn, new) and np.array_equal(jb, b)
    keys = random.split(key, 3)
    lanes = fg.vmap(lambda k: flax.rng_bit_generator(k, (2,))[1])(keys)
    for i in range(3):
        assert np.array_equal(lanes[i], flax.rng_bit_generator(keys[i], (2,))[1])
    for dt in (np.uint8, np.uint16, np.uint64):
        assert flax.rng_bit_generator(key, (4,), dtype=dt)[1].dtype == dt
        assert jlax.rng_bit_generator(np.zeros(4, np.uint32), (4,), dtype=dt)[1].dtype == dt
    for alg in flax.RandomAlgorithm:
        assert alg.value == jlax.RandomAlgorithm[alg.name].value
        assert np.array_equal(flax.rng_bit_generator(key, (2, 3), algorithm=alg)[1], b)
    with pytest.raises(TypeError, match="rng_bit_generator: unsupported dtype int32"):
        flax.rng_bit_generator(key, (2,), dtype=np.int32)
    with pytest.raises(TypeError, match=r"rng_bit_generator: key must be a fungrad key.*\(4,\)"):
        flax.rng_bit_generator(np.zeros(4, np.uint32), (2,))


def test_random_gamma_grad_matches_jax():
    a = np.array([0.3, 1.0, 2.0, 7.5])
    x = np.array([0.05, 0.5, 3.0, 6.0])
    want = jlax.random_gamma_grad(a, x)
    _close(flax.random_gamma_grad(a, x), want, 1e-10)
    _close(fg.jit(flax.random_gamma_grad)(a, x), want, 1e-10)
    _close(fg.vmap(flax.random_gamma_grad)(a, x), jax.vmap(jlax.random_gamma_grad)(a, x),
           1e-10)
    from fungrad.random.gamma_family import random_gamma_grad

    assert flax.random_gamma_grad is random_gamma_grad  # one implementation
    assert "random_gamma_grad" in dir(flax)
