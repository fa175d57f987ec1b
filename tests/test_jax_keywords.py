"""JAX keyword parity: every function that fungrad shares with jax, jax.lax, jax.nn,
jax.random, jax.numpy, jax.numpy.linalg, jax.scipy.special and jax.tree_util accepts JAX's
keyword-usable parameter names in JAX's order (fungrad may add its own after them), and the
parameters added for that parity behave as in JAX. fungrad.numpy takes the sharding and
device parameters too (tests/test_fnp_keywords.py checks how they behave)."""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

import fungrad as fg
from fungrad import lax, random

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

# Sharding parameters are not required of fungrad's functions (see the README), except in
# fungrad.numpy, whose functions take them (to raise unless they are None).
SHARDING = frozenset({"out_sharding", "sharding", "in_shardings", "out_shardings"})
MODULES = [("fungrad", "jax", SHARDING), ("fungrad.lax", "jax.lax", SHARDING),
           ("fungrad.nn", "jax.nn", SHARDING), ("fungrad.random", "jax.random", SHARDING),
           ("fungrad.numpy", "jax.numpy", frozenset()),
           ("fungrad.numpy.linalg", "jax.numpy.linalg", SHARDING),
           ("fungrad.scipy.special", "jax.scipy.special", SHARDING),
           ("fungrad.tree_util", "jax.tree_util", SHARDING)]
# Known differences, each in the README's differences section.
DIFFERENT = {
    "fungrad.vmap": "sum_match (undocumented in JAX) is not accepted",
    "fungrad.lax.gather": "index_spec API instead of GatherDimensionNumbers",
    **{f"fungrad.lax.scatter{s}": "index_spec API instead of ScatterDimensionNumbers"
       for s in ("", "_add", "_max", "_min", "_mul", "_sub", "_apply")},
}


def _keywords(fun, ignored=SHARDING) -> list[str]:
    """The keyword-usable parameter names of ``fun``, less ``ignored`` and private ones
    (JAX's ``_dot_general``, ``_split_transpose``)."""
    return [p.name for p in inspect.signature(fun).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in ignored
            and not p.name.startswith("_")]


def _shared_functions():
    for ours_name, jax_name, ignored in MODULES:
        ours, theirs = importlib.import_module(ours_name), importlib.import_module(jax_name)
        for name in dir(theirs):
            if name.startswith("_") or not hasattr(ours, name):
                continue
            a, b = getattr(ours, name), getattr(theirs, name)
            if callable(a) and not inspect.isclass(a) and not inspect.isclass(b):
                try:
                    inspect.signature(a), inspect.signature(b)
                except (TypeError, ValueError):
                    continue
                yield f"{ours_name}.{name}", a, b, ignored


SHARED = list(_shared_functions())


@pytest.mark.parametrize("name, ours, theirs, ignored", SHARED, ids=[s[0] for s in SHARED])
def test_jax_keywords_in_jax_order(name, ours, theirs, ignored):
    if name in DIFFERENT:
        return  # checked by test_the_difference_list_is_current
    mine, jax_keywords = _keywords(ours, ignored), _keywords(theirs, ignored)
    remaining = iter(mine)
    missing = [k for k in jax_keywords if not any(k == m for m in remaining)]
    assert not missing, (f"{name}: JAX's keywords {jax_keywords}, ours {mine}; missing or "
                         f"out of order: {missing}")


def test_fungrad_numpy_is_checked():
    names = {s[0] for s in SHARED}
    assert {"fungrad.numpy.add", "fungrad.numpy.zeros", "fungrad.numpy.pad"} <= names


def test_the_difference_list_is_current():
    names = {s[0] for s in SHARED}
    assert set(DIFFERENT) <= names
    for name in DIFFERENT:
        ours, theirs, ignored = next((a, b, i) for n, a, b, i in SHARED if n == name)
        remaining = iter(_keywords(ours, ignored))
        assert not all(any(k == m for m in remaining) for k in _keywords(theirs, ignored)), (
            f"{name} now matches JAX: remove it from DIFFERENT")


HALVES = np.array([0.5, 1.5, 2.5, -0.5, -2.5, -0.0, 0.0, 0.49999999999999994,
                   2.4999999999999996, -0.3, np.inf, -np.inf, np.nan, 1e300])


@pytest.mark.parametrize("method", list(lax.RoundingMethod))
@pytest.mark.parametrize("mode", ["eager", "jit", "vmap"])
def test_round_methods_match_jax(method, mode):
    f = {"eager": lambda x: lax.round(x, method), "jit": fg.jit(lambda x: lax.round(x, method)),
         "vmap": fg.vmap(lambda x: lax.round(x, method))}[mode]
    got, want = np.asarray(f(HALVES)), np.asarray(jax.lax.round(jnp.asarray(HALVES), int(method)))
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))  # -0.0 stays -0.0
    assert float(fg.grad(lambda x: lax.round(x, method) * 3.0)(2.3)) == 0.0


def test_round_default_is_away_from_zero_and_fnp_round_is_half_even():
    import fungrad.numpy as fnp

    assert lax.round(np.float32(2.5)).dtype == np.float32
    np.testing.assert_array_equal(lax.round(np.array([0.5, 2.5])), [1.0, 3.0])
    np.testing.assert_array_equal(fnp.round(np.array([0.5, 2.5])), [0.0, 2.0])


@pytest.mark.parametrize("num_keys", [1, 2, 3])
@pytest.mark.parametrize("dimension", [0, 1, -1])
def test_sort_several_operands_matches_jax(num_keys, dimension):
    rng = np.random.default_rng(num_keys)
    ops = (rng.integers(0, 3, (4, 7)), rng.integers(0, 2, (4, 7)), rng.normal(size=(4, 7)))
    got = lax.sort(ops, dimension, num_keys=num_keys)
    want = jax.lax.sort(ops, dimension, num_keys=num_keys)
    assert isinstance(got, tuple) and len(got) == 3
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_sort_several_operands_gradient_and_errors():
    keys = np.array([2, 0, 1, 0])

    def f(lib_sort, v):
        return (lib_sort((keys, v))[1] * np.arange(4.0)).sum()

    v = np.array([0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(fg.grad(lambda v: f(lax.sort, v))(v),
                               jax.grad(lambda v: f(jax.lax.sort, v))(v))
    with pytest.raises(ValueError, match="num_keys"):
        lax.sort((keys, v), num_keys=3)
    with pytest.raises(ValueError, match="num_keys"):
        lax.sort(v, num_keys=2)
    with pytest.raises(ValueError, match="one shape"):
        lax.sort((keys, v[:3]))


def test_dynamic_slice_negative_indices():
    x = np.arange(6.0)
    np.testing.assert_array_equal(lax.dynamic_slice(x, (-2,), (2,)), [4.0, 5.0])
    traced = fg.jit(lambda i: lax.dynamic_slice(x, (i,), (2,), allow_negative_indices=False))
    np.testing.assert_array_equal(traced(-2), [0.0, 1.0])  # clamped, not wrapped
    with pytest.raises(ValueError, match="negative"):
        lax.dynamic_slice(x, (-2,), (2,), allow_negative_indices=False)
    np.testing.assert_array_equal(
        lax.dynamic_update_slice(x, np.ones(2), (-2,), allow_negative_indices=[True]),
        [0, 1, 2, 3, 1, 1])


def test_mul_out_dtype_accuracy_and_reshape_dimensions():
    assert int(lax.mul(np.int8(100), np.int8(3), out_dtype=np.int32)) == 300
    assert float(lax.exp(0.0, accuracy=None)) == 1.0
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(lax.reshape(x, (6,), (1, 0)),
                                  jax.lax.reshape(x, (6,), (1, 0)))


def test_categorical_without_replacement():
    key = random.key(0)
    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]))
    s = random.categorical(key, logits, shape=(3, 2), replace=False)
    assert s.shape == (3, 2)
    for column in np.asarray(s).T:  # three distinct draws per distribution
        assert sorted(column.tolist()) == [0, 1, 2]
    first = np.zeros(3)
    for i in range(2000):
        first[random.categorical(random.fold_in(key, i), logits[0], shape=(2,),
                                 replace=False)[0]] += 1
    np.testing.assert_allclose(first / 2000, [0.1, 0.2, 0.7], atol=0.03)
    with pytest.raises(ValueError, match="without replacement"):
        random.categorical(key, np.zeros(3), shape=(4,), replace=False)


def test_random_modes_and_key_impl():
    key = random.key(0, impl=None)
    assert random.gumbel(key, (2,), mode="high").shape == (2,)
    assert random.bernoulli(key, 0.5, (3,), mode="high").shape == (3,)
    assert random.choice(key, 5, (2,), mode="low").shape == (2,)
    np.testing.assert_array_equal(random.PRNGKey(3, impl=None), random.key(3))
    with pytest.raises(ValueError, match="mode"):
        random.gumbel(key, (2,), mode="medium")
    with pytest.raises(ValueError, match="one PRNG implementation"):
        random.key(0, impl="rbg")


def test_deprecated_jax_options_are_rejected_like_jax():
    assert float(fg.grad(lambda x: x * x, reduce_axes=())(2.0)) == 4.0
    with pytest.raises(NotImplementedError, match="reduce_axes"):
        fg.grad(lambda x: x, reduce_axes=("batch",))
    with pytest.raises(NotImplementedError, match="reduce_axes"):
        fg.vjp(lambda x: x, 1.0, reduce_axes=("batch",))
    with pytest.raises(NotImplementedError, match="concrete"):
        fg.checkpoint(lambda x: x, concrete=True)


def test_cond_and_switch_take_the_legacy_operand_keyword():
    x = np.array([1.0, 2.0])
    for cond in (lax.cond, jax.lax.cond):
        assert float(cond(True, lambda v: v.sum(), lambda v: -v.sum(), operand=x)) == 3.0
        assert float(cond(False, lambda v: v.sum(), lambda v: -v.sum(), operand=x)) == -3.0
    assert float(lax.switch(1, [lambda v: v[0], lambda v: v[1]], operand=x)) == 2.0
    assert lax.cond(True, lambda v: v, lambda v: v, operand=None) is None  # None is an operand
    g = fg.grad(lambda v: lax.cond(v > 0, lambda u: u * u, lambda u: -u, operand=v))(3.0)
    assert float(g) == 6.0
    with pytest.raises(TypeError, match="positionally or as the legacy operand="):
        lax.cond(True, lambda v: v, lambda v: v, x, operand=x)
    with pytest.raises(TypeError, match="no positional operands"):  # JAX raises too
        jax.lax.cond(True, lambda v: v, lambda v: v, x, operand=x)
    with pytest.raises(TypeError, match="lax.switch"):
        lax.switch(0, [lambda v: v], x, operand=x)


def test_jit_takes_compiler_options():
    f = fg.jit(lambda x: x * 2.0, compiler_options={"xla_cpu_enable_fast_math": False})
    assert float(f(1.5)) == 3.0
    assert float(fg.jit(compiler_options=None)(lambda x: x + 1.0)(1.0)) == 2.0
    with pytest.raises(TypeError, match="compiler_options must be a dict"):
        fg.jit(lambda x: x, compiler_options="O3")


def test_register_dataclass_drop_fields_as_jax():
    import dataclasses

    from fungrad import tree_util

    def make():
        @dataclasses.dataclass
        class Layer:
            w: np.ndarray
            name: str
            cache: object = None
        return Layer

    ours, theirs = make(), make()
    tree_util.register_dataclass(ours, ["w"], ["name"], drop_fields=["cache"])
    jax.tree_util.register_dataclass(theirs, ["w"], ["name"], drop_fields=["cache"])
    a, b = ours(np.ones(2), "fc", cache="stale"), theirs(np.ones(2), "fc", cache="stale")
    assert len(tree_util.tree_leaves(a)) == len(jax.tree_util.tree_leaves(b)) == 1
    rebuilt = tree_util.tree_map(lambda v: v * 2, a)
    assert rebuilt.cache is None and rebuilt.name == "fc" and rebuilt.w.tolist() == [2.0, 2.0]
    assert jax.tree_util.tree_map(lambda v: v * 2, b).cache is None  # JAX: the default too
    g = fg.grad(lambda m: fnp_sum(m.w))(a)
    assert g.w.tolist() == [1.0, 1.0] and g.cache is None
    with pytest.raises(ValueError, match="drop_fields"):  # cache neither listed nor dropped
        tree_util.register_dataclass(make(), ["w"], ["name"])
    with pytest.raises(TypeError, match="sequence of field names"):
        tree_util.register_dataclass(make(), ["w"], ["name"], drop_fields="cache")


def fnp_sum(x):
    import fungrad.numpy as fnp

    return fnp.sum(x)
