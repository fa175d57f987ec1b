"""Indexing beyond the table: errors, eager ``.at`` on NumPy arrays, no mutation, ties."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ConcretizationError, ShapeError
from fungrad.numpy.indexing import getitem

X = np.arange(12.0).reshape(3, 4)

# ---------------------------------------------------------------------------------------
# Shapes and values agree with NumPy, eagerly and when staged (abstract_eval)

EXPRESSIONS = [
    (slice(1, None), slice(None, None, -1)),
    (None, Ellipsis, 0),
    [0, 2, 2],
    (-1, [3, -4]),
    (np.array([[0], [2]]), slice(None), None),
    (Ellipsis, np.array([1, 3])),
    (slice(5, 0, -2),),
    (slice(None), None, np.array([True, False, True, True])),
    X > 4,
    (),
    Ellipsis,
    [],
]


@pytest.mark.parametrize("idx", EXPRESSIONS, ids=repr)
def test_getitem_matches_numpy(idx):
    expected = X[idx]
    np.testing.assert_array_equal(getitem(X, idx), expected)
    ir = fg.make_ir(lambda x: fnp.indexing.getitem(x, idx))(X)
    assert ir.out_avals[0].shape == expected.shape


def test_traced_index_is_an_operand_of_the_staged_program():
    ir = fg.make_ir(lambda x, i: x[i, ::-1])(X, np.int64(0))
    for i in range(-3, 3):
        np.testing.assert_array_equal(ir(X, np.int64(i))[0], X[i, ::-1])
    ir = fg.make_ir(lambda x, i: x.at[:, i].add(1.0))(X, np.array([0, 0]))
    np.testing.assert_array_equal(ir(X, np.array([3, 3]))[0][:, 3], X[:, 3] + 2)


def test_tracer_take_method():
    g = fg.grad(lambda x: x.take(np.array([1, 1, 5])).sum())(X)
    expected = np.zeros_like(X)
    expected.flat[1], expected.flat[5] = 2.0, 1.0
    np.testing.assert_array_equal(g, expected)


# ---------------------------------------------------------------------------------------
# Errors


def test_traced_boolean_mask_names_the_fix():
    with pytest.raises(ConcretizationError, match=r"fnp\.where"):
        fg.make_ir(lambda x: x[x > 0])(X)


def test_boolean_mask_under_grad_is_concrete():
    g = fg.grad(lambda x: (x[x > 4.5] ** 2).sum())(X)
    np.testing.assert_array_equal(g, np.where(X > 4.5, 2 * X, 0))


@pytest.mark.parametrize("idx, match", [
    (3, r"index 3 is out of bounds for axis 0 with size 3"),
    ((0, -5), r"index -5 is out of bounds for axis 1 with size 4"),
    ((slice(None), np.array([0, 4])), r"index 4 is out of bounds for axis 1"),
    ((0, 0, 0), r"too many indices for an array of shape \(3, 4\)"),
    ((Ellipsis, 0, Ellipsis), r"single ellipsis"),
    (1.5, r"only integers, slices"),
    (np.array([0.5]), r"dtype float64"),
    (np.array([True, False]), r"boolean index of shape \(2,\) does not match"),
    (True, r"scalar boolean"),
])
def test_bad_indices_raise_index_error(idx, match):
    with pytest.raises(IndexError, match=match):
        getitem(X, idx)
    with pytest.raises(IndexError, match=match):
        fg.grad(lambda x: getitem(x, idx).sum())(X)


def test_out_of_range_traced_index_raises_when_run():
    ir = fg.make_ir(lambda x, i: x[i])(X, np.int64(0))
    with pytest.raises(IndexError):
        ir(X, np.int64(3))


def test_traced_slice_bound_suggests_dynamic_slice():
    with pytest.raises(IndexError, match="dynamic_slice"):
        fg.make_ir(lambda x, i: x[i:])(X, np.int64(1))


def test_at_errors():
    a = fnp.asarray(X)
    with pytest.raises(ShapeError, match=r"values of shape \(3,\) cannot be broadcast to the "
                                         r"indexed shape \(2, 4\)"):
        a.at[:2].set(np.ones(3))
    with pytest.raises(ValueError, match="mode='wrap' is not supported"):
        a.at[0].add(1.0, mode="wrap")
    with pytest.raises(IndexError, match="out of bounds"):
        a.at[[0, 7]].add(1.0)


def test_lax_shape_errors_name_the_primitive():
    with pytest.raises(ShapeError, match=r"dynamic_slice: got 1 start indices"):
        lax.dynamic_slice(X, [0], (1, 1))
    with pytest.raises(ShapeError, match=r"dynamic_slice: slice_sizes \(4, 1\)"):
        lax.dynamic_slice(X, [0, 0], (4, 1))
    with pytest.raises(ShapeError, match=r"scatter_add: updates of shape \(3,\) differ"):
        lax.scatter_add(X, np.ones(3), [np.array([0, 1])], (("array", 0),))
    with pytest.raises(TypeError, match=r"index operand 0 has dtype float64"):
        fg.make_ir(lambda x: lax.gather(x, [np.array([0.0])], (("array", 0),)))(X)


def test_scatter_mul_duplicate_derivative_is_refused():
    def f(x, v):
        return fnp.asarray(x).at[np.array([0, 0])].multiply(v).sum()

    np.testing.assert_allclose(fg.grad(f)(X, np.full((2, 4), 2.0)), np.where(
        np.arange(3)[:, None] == 0, 4.0, 1.0) * np.ones((3, 4)))
    with pytest.raises(NotImplementedError, match="unique indices"):
        fg.grad(f, argnums=1)(X, np.full((2, 4), 2.0))


# ---------------------------------------------------------------------------------------
# Eager .at on NumPy arrays; inputs are never mutated

METHODS = ["set", "add", "subtract", "multiply", "divide", "power", "min", "max"]


@pytest.mark.parametrize("method", METHODS)
def test_eager_at_on_numpy_array(method):
    x = np.arange(1.0, 7.0).reshape(2, 3)
    before = x.copy()
    out = getattr(fnp.asarray(x).at[[1, 0], 2], method)(2.0)
    expected = x.copy()
    ops = {"set": lambda a, b: b, "add": np.add, "subtract": np.subtract,
           "multiply": np.multiply, "divide": np.divide, "power": np.power,
           "min": np.minimum, "max": np.maximum}
    expected[[1, 0], 2] = ops[method](expected[[1, 0], 2], 2.0)
    np.testing.assert_allclose(out, expected)
    np.testing.assert_array_equal(x, before)
    assert isinstance(out, fnp.Array)


def test_eager_at_chains_and_casts_to_the_array_dtype():
    x = np.zeros(4, np.int64)
    out = fnp.asarray(x).at[0].set(1.7).at[[1, 1]].add(2)
    np.testing.assert_array_equal(out, [1, 4, 0, 0])
    assert out.dtype == np.int64
    np.testing.assert_array_equal(x, 0)
    np.testing.assert_array_equal(fnp.asarray(X).at[1:, 0].get(), X[1:, 0])


@pytest.mark.parametrize("method", METHODS)
def test_at_under_grad_does_not_mutate(method):
    x, v = np.arange(1.0, 7.0).reshape(2, 3), np.array([1.5, 0.5])
    before_x, before_v = x.copy(), v.copy()
    fg.grad(lambda x, v: getattr(x.at[[1, 0], 2], method)(v).sum(), argnums=(0, 1))(x, v)
    np.testing.assert_array_equal(x, before_x)
    np.testing.assert_array_equal(v, before_v)


def test_lax_scatters_and_dynamic_update_slice_do_not_mutate():
    x = X.copy()
    lax.scatter(x, np.zeros(2), [np.array([0, 1])], (("int", 0), ("array", 0)))
    lax.scatter_add(x, np.ones(4), [], (("int", 1),))
    lax.dynamic_update_slice(x, np.zeros((1, 2)), [1, 1])
    np.testing.assert_array_equal(x, X)


# ---------------------------------------------------------------------------------------
# Semantics at repeated indices and ties


def test_set_with_repeated_indices_differentiates_the_winner():
    idx = np.array([0, 0, 2])
    v = np.array([1.0, 2.0, 3.0])
    out = fnp.asarray(np.zeros(3)).at[idx].set(v)
    np.testing.assert_array_equal(out, [2.0, 0.0, 3.0])  # NumPy: the last update wins
    g = fg.grad(lambda v: (fnp.asarray(np.zeros(3)).at[idx].set(v) * [5.0, 6.0, 7.0]).sum())(v)
    np.testing.assert_array_equal(g, [0.0, 5.0, 7.0])


@pytest.mark.parametrize("method", ["min", "max"])
def test_min_max_ties_split_like_jax(method):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = np.array([1.0, 2.0, 3.0])
    v = np.array([1.0, 1.0, 0.5, 3.0])
    idx = np.array([0, 0, 1, 2])

    def f(x, v, at):
        return (getattr(at(x)[idx], method)(v) * np.array([1.0, 2.0, 4.0])).sum()

    ours = fg.grad(f, argnums=(0, 1))(x, v, lambda a: a.at)
    ref = jax.grad(f, argnums=(0, 1))(x, v, lambda a: a.at)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, np.asarray(b))


def test_gather_transpose_accumulates_repeats_to_second_order():
    def f(x):
        return (x[np.array([0, 0, 1])] ** 3).sum()

    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(fg.grad(f)(x), [6.0, 12.0])
    np.testing.assert_allclose(fg.grad(lambda x: fg.grad(f)(x)[0])(x), [12.0, 0.0])


# ---------------------------------------------------------------------------------------
# x.at[...]'s out-of-bound modes (JAX's "clip" and "fill"/"drop"), compared with JAX


def mode_cases(api, npm):
    """name -> thunk, written once over (api, npm) = (fungrad, fnp) or (jax, jax.numpy)."""
    x, m = npm.arange(10.0), npm.arange(12.0).reshape(3, 4)
    cube = npm.arange(24.0).reshape(2, 3, 4)
    return {
        "fill_static": lambda: x.at[11].get(mode="fill", fill_value=-1.0),
        "fill_default_nan": lambda: x.at[npm.array([1, 12, -3, -11])].get(mode="fill"),
        "fill_default_int": lambda: npm.arange(5).at[npm.array([1, 7])].get(mode="fill"),
        "clip": lambda: x.at[npm.array([11, -12, -1, 3])].get(mode="clip"),
        "clip_static": lambda: (x.at[11].get(mode="clip"), x.at[-12].get(mode="clip")),
        "clip_set": lambda: x.at[npm.array([20])].set(-1.0, mode="clip"),
        "drop": lambda: x.at[npm.array([1, 10, -1, -11])].set(7.0, mode="drop"),
        "drop_static": lambda: x.at[10].set(7.0, mode="drop"),
        "drop_add_repeats": lambda: x.at[npm.array([2, 15, 2])].add(1.0, mode="drop"),
        "drop_divide": lambda: x.at[npm.array([2, 40])].divide(2.0, mode="drop"),
        "fill_row_and_slice": lambda: m.at[npm.array([0, 5]), 1:].get(mode="fill",
                                                                       fill_value=0.0),
        "drop_multiply_row": lambda: m.at[1, npm.array([0, 4, 3])].multiply(2.0, mode="drop"),
        "fill_2d_index": lambda: m.at[:, npm.array([[0, 9], [3, 1]])].get(mode="fill",
                                                                          fill_value=-5.0),
        "fill_split_advanced": lambda: cube.at[npm.array([0, 3]), :, npm.array([1, 7])].get(
            mode="fill", fill_value=0.0),
        "jit_fill": lambda: api.jit(lambda i: x.at[i].get(mode="fill", fill_value=0.0))(
            npm.array([3, 99])),
        "jit_drop": lambda: api.jit(lambda i: x.at[i].set(0.0, mode="drop"))(12),
        "grad_fill": lambda: api.grad(lambda x: npm.sum(x.at[npm.array([1, 30, 1])].get(
            mode="fill", fill_value=0.0) ** 2))(x),
        "grad_drop": lambda: api.grad(lambda x, v: npm.sum(x.at[npm.array([1, 30])].set(
            v, mode="drop") ** 2), (0, 1))(x, 3.0),
        "grad_clip": lambda: api.grad(lambda x: npm.sum(x.at[npm.array([1, 30])].get(
            mode="clip") ** 2))(x),
        "vmap_fill": lambda: api.vmap(lambda i: x.at[i].get(mode="fill", fill_value=-1.0))(
            npm.array([0, 9, 10, 100, -10, -11])),
        "vmap_drop": lambda: api.vmap(lambda i: x.at[i].add(1.0, mode="drop"))(
            npm.array([0, 10])),
        "apply": lambda: x.at[1].apply(npm.sin),
        "apply_repeats": lambda: npm.zeros(3).at[npm.array([0, 0, 2])].apply(lambda v: v + 1),
        "apply_slice": lambda: x.at[2:5].apply(lambda v: v * 3),
        "apply_traced_repeats": lambda: api.jit(lambda i: npm.ones(4).at[i].apply(
            lambda v: v * 2))(npm.array([1, 1, 3])),
        "apply_drop": lambda: x.at[npm.array([1, 40])].apply(lambda v: -v, mode="drop"),
    }


FUNGRAD_MODE_CASES = mode_cases(fg, fnp)


@pytest.mark.parametrize("name", list(FUNGRAD_MODE_CASES))
def test_at_modes_match_jax(name):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    expected = mode_cases(jax, jax.numpy)[name]()
    got = FUNGRAD_MODE_CASES[name]()
    for g, e in zip(fg.tree.leaves(got), jax.tree.leaves(expected), strict=True):
        g, e = np.asarray(g), np.asarray(e)
        assert (g.shape, g.dtype) == (e.shape, e.dtype)
        np.testing.assert_allclose(g, e, rtol=1e-12, equal_nan=True)


def test_at_apply_differentiates_once_per_repeat():
    # JAX's scatter_apply has no derivative; fungrad's apply is gather/scatter/where.
    x = np.arange(4.0)
    g = fg.grad(lambda x: fnp.sum(fnp.asarray(x).at[np.array([1, 1])].apply(fnp.sin)))(x)
    np.testing.assert_allclose(g, [1.0, np.cos(np.sin(1.0)) * np.cos(1.0), 1.0, 1.0])


def test_default_mode_still_raises_for_out_of_range():
    with pytest.raises(IndexError, match="out of bounds"):
        fnp.arange(10.0).at[11].get()
    with pytest.raises(IndexError, match="out of bounds"):
        fnp.arange(10.0).at[11].set(1.0, mode="promise_in_bounds")
