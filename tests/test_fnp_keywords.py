"""fungrad.numpy's JAX keywords behave as jax.numpy's: ``out=``/``where=`` of the ufunc-like
functions, ``device=`` and ``out_sharding=`` of the creation functions, ``round(a=...)``,
``clip``'s names, ``take_along_axis(wrap_negative_indices=)`` and ``pad``'s keywords.

tests/test_jax_keywords.py checks that the names exist in JAX's order; this file checks
what they do, against jax.numpy itself where the result is numeric.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from tests.fake_device import FakeDeviceArray, to_fake

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

CPU = fg.devices("cpu")[0]

# ---------------------------------------------------------------------------------------
# Signatures: positional-only names and the ufuncs' out=/where=


def _shared_names():
    for name in sorted(dir(jnp)):
        ours, theirs = getattr(fnp, name, None), getattr(jnp, name)
        if name.startswith("_") or not callable(ours) or inspect.isclass(ours) \
                or inspect.isclass(theirs) or not callable(theirs):
            continue
        yield name


def _signature(fn):
    """The signature of ``fn``; for a ``jnp.ufunc``, that of the function it wraps."""
    return inspect.signature(fn._func if isinstance(fn, jnp.ufunc) else fn)


def _positional_only(fn) -> list[str]:
    return [p.name for p in _signature(fn).parameters.values() if p.kind == p.POSITIONAL_ONLY]


POSITIONAL = [n for n in _shared_names() if _positional_only(getattr(jnp, n))]
UFUNCS = [n for n in _shared_names() if isinstance(getattr(jnp, n), jnp.ufunc)]


def test_the_walks_find_the_functions():
    assert {"add", "negative", "logaddexp2", "logical_xor", "bitwise_or"} <= set(UFUNCS)
    assert {"divide", "fmod", "nextafter", "exp", "right_shift", "clip"} <= set(POSITIONAL)


@pytest.mark.parametrize("name", POSITIONAL)
def test_positional_only_names_are_jaxs(name):
    assert _positional_only(getattr(fnp, name)) == _positional_only(getattr(jnp, name))


def _ufunc_args(name: str, nin: int):
    if name.startswith(("bitwise", "logical")):
        return (np.array([0, 3, 5, 12]), np.array([6, 0, 5, 10]))[:nin]
    return (np.array([0.5, -1.0, 2.0, 30.0]), np.array([1.5, 2.0, -2.0, 29.0]))[:nin]


@pytest.mark.parametrize("name", UFUNCS)
def test_ufunc_like_functions_take_out_and_where_as_jnp(name):
    ours, theirs = getattr(fnp, name), getattr(jnp, name)
    params = list(inspect.signature(ours).parameters.values())
    # out/where may also come by position (as NumPy's out): a keyword-only default would
    # cost every call a dict lookup (see fungrad/numpy/math.py).
    assert [(p.name, p.kind, p.default) for p in params[theirs.nin:]] == [
        ("out", inspect.Parameter.POSITIONAL_OR_KEYWORD, None),
        ("where", inspect.Parameter.POSITIONAL_OR_KEYWORD, None)]
    args = _ufunc_args(name, theirs.nin)
    got = ours(*args, out=None, where=None)
    np.testing.assert_allclose(np.asarray(got), np.asarray(theirs(*args)), rtol=1e-13)
    np.testing.assert_array_equal(got, ours(*args))
    np.testing.assert_array_equal(ours(*args, None), got)
    with pytest.raises(NotImplementedError, match=rf"fnp\.{name}: the `out` argument"):
        ours(*args, np.zeros(4))  # a third positional argument is out, as in NumPy
    for keyword, value in (("out", np.zeros(4)), ("where", np.array([True, False] * 2))):
        with pytest.raises(NotImplementedError):
            theirs(*args, **{keyword: value})
        with pytest.raises(NotImplementedError, match=rf"fnp\.{name}: the `{keyword}` "
                           r"argument is not supported .*; (use the return value|compute "
                           rf"fnp\.where\(mask, fnp\.{name})"):
            ours(*args, **{keyword: value})


def test_ufunc_keywords_under_transforms():
    x = np.array([1.0, 2.0])
    assert float(fg.grad(lambda v: fnp.multiply(v, v, out=None, where=None).sum())(x)[1]) \
        == 4.0
    np.testing.assert_array_equal(fg.jit(lambda v: fnp.add(v, 1.0, out=None))(x), [2.0, 3.0])
    with pytest.raises(NotImplementedError, match="fnp.maximum: the `where`"):
        fg.jit(lambda v: fnp.maximum(v, 0.0, where=v > 1))(x)


def test_binary_functions_stay_positional_as_in_jnp():
    x = np.array([7.0, -7.0])
    for name in ("divide", "true_divide", "floor_divide", "fmod", "mod", "remainder", "power"):
        np.testing.assert_allclose(getattr(fnp, name)(x, 2.0), getattr(jnp, name)(x, 2.0))
        with pytest.raises(TypeError):
            getattr(fnp, name)(x1=x, x2=2.0)
    np.testing.assert_array_equal(fnp.nextafter(x, 0.0), jnp.nextafter(x, 0.0))
    np.testing.assert_array_equal(fnp.right_shift(np.array([-8, 8]), 1), [-4, 4])


# ---------------------------------------------------------------------------------------
# round, around, rint, clip, empty_like


@pytest.mark.parametrize("name", ["round", "around"])
def test_round_takes_a_decimals_and_out(name):
    x = np.array([0.5, 1.5, 2.5, 1.234, -5.678, 1e300])
    ours, theirs = getattr(fnp, name), getattr(jnp, name)
    np.testing.assert_allclose(ours(a=x, decimals=1), theirs(a=x, decimals=1), rtol=1e-15)
    np.testing.assert_array_equal(ours(a=x, decimals=1), np.round(x, 1))  # jnp: 1 ulp off
    np.testing.assert_array_equal(ours(x, 0, None), theirs(x, 0, None))
    np.testing.assert_array_equal(ours(np.array([15, 25, -35]), -1), [20, 20, -40])
    with pytest.raises(NotImplementedError):
        theirs(x, out=np.zeros(6))
    with pytest.raises(NotImplementedError, match=r"fnp\.round: the `out` argument"):
        ours(x, out=np.zeros(6))


def test_rint_is_round_to_even_with_one_argument():
    x = np.array([0.5, 1.5, -2.5, 3.7])
    np.testing.assert_array_equal(fnp.rint(x), jnp.rint(x))
    with pytest.raises(TypeError):
        fnp.rint(x, 1)


CLIP_CALLS = [
    lambda m, x: m.clip(x, 0.0, 1.0),
    lambda m, x: m.clip(x, min=0.0),
    lambda m, x: m.clip(x, max=0.5),
    lambda m, x: m.clip(x, 0.0, max=1.0),
    lambda m, x: m.clip(x),
    lambda m, x: m.clip(x, 1.0, 0.0),  # min > max gives max, as in jnp
    lambda m, x: m.clip(x, np.array([0.0, 0.6, 1.0, 0.0]), np.array([1.0, 0.7, 1.5, 0.2])),
    lambda m, x: m.clip((x * 4).astype(np.int32), 1, 2.5),  # promotes as maximum/minimum
]


@pytest.mark.parametrize("call", range(len(CLIP_CALLS)))
def test_clip_matches_jnp(call):
    x = np.array([-2.0, 0.5, 1.0, 3.0])
    got, want = CLIP_CALLS[call](fnp, x), CLIP_CALLS[call](jnp, x)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(got, want)


def test_clip_gradient_at_the_bounds_matches_jnp():
    x = np.array([-2.0, 0.0, 0.5, 1.0, 3.0])
    np.testing.assert_array_equal(fg.grad(lambda v: fnp.clip(v, 0.0, 1.0).sum())(x),
                                  jax.grad(lambda v: jnp.clip(v, 0.0, 1.0).sum())(x))


@pytest.mark.parametrize("keywords", [{"a": np.ones(2)}, {"a_min": 0.0}, {"a_max": 1.0},
                                      {"arr": np.ones(2)}])
def test_clip_rejects_numpys_old_names_as_jnp(keywords):
    args = () if "a" in keywords or "arr" in keywords else (np.ones(2),)
    with pytest.raises(TypeError):
        jnp.clip(*args, **keywords)
    with pytest.raises(TypeError):
        fnp.clip(*args, **keywords)


def test_clip_errors_match_jnp():
    for lib in (jnp, fnp):
        with pytest.raises(ValueError):
            lib.clip()
        with pytest.raises(ValueError, match="omplex"):
            lib.clip(np.array([1 + 1j]), 0.0)
        with pytest.raises(ValueError, match="omplex"):
            lib.clip(np.array([1.0]), max=2j)
    with pytest.raises(ValueError, match=r"fnp\.clip: max is complex .*fnp\.real"):
        fnp.clip(np.array([1.0]), max=2j)


def test_empty_like_takes_prototype():
    out = fnp.empty_like(prototype=np.ones((2, 3), np.int32), shape=(4,), device="cpu")
    assert out.shape == (4,) and out.dtype == np.int32 and out.device == CPU
    assert not np.asarray(out).any()


# ---------------------------------------------------------------------------------------
# device= and out_sharding=

CREATION = {
    "array": lambda **kw: fnp.array([1.0, 2.0], **kw),
    "asarray": lambda **kw: fnp.asarray(np.arange(3), **kw),
    "arange": lambda **kw: fnp.arange(1, 7, 2, **kw),
    "zeros": lambda **kw: fnp.zeros((2, 2), **kw),
    "ones": lambda **kw: fnp.ones(3, np.int32, **kw),
    "full": lambda **kw: fnp.full((2,), 7.0, **kw),
    "empty": lambda **kw: fnp.empty(2, **kw),
    "zeros_like": lambda **kw: fnp.zeros_like(np.ones(3), **kw),
    "ones_like": lambda **kw: fnp.ones_like(np.ones(3), **kw),
    "full_like": lambda **kw: fnp.full_like(np.ones(3), 2.5, **kw),
    "empty_like": lambda **kw: fnp.empty_like(np.ones(3), **kw),
    "eye": lambda **kw: fnp.eye(2, 3, 1, **kw),
    "linspace": lambda **kw: fnp.linspace(0.0, 1.0, 5, **kw),
}
SHARDED = {"array", "asarray", "arange", "zeros", "ones", "full", "empty", "zeros_like",
           "ones_like", "full_like"}


@pytest.mark.parametrize("name", sorted(CREATION))
def test_creation_device_places_the_result(name):
    make = CREATION[name]
    plain = make()
    for device in (None, "cpu", CPU):
        out = make(device=device)
        assert type(out) is fg.Array and out.device == CPU and out.dtype == plain.dtype
        np.testing.assert_array_equal(out, plain)
    assert "device" in inspect.signature(getattr(jnp, name)).parameters
    if fg.default_backend() == "cpu":
        with pytest.raises(ValueError, match=rf"fnp\.{name}: cannot place a value on 'gpu'"):
            make(device="gpu")
    with pytest.raises(ValueError, match=rf"fnp\.{name}: cannot place a value on 'tpu'"):
        make(device="tpu")


@pytest.mark.parametrize("name", sorted(SHARDED))
def test_creation_out_sharding_must_be_none(name):
    np.testing.assert_array_equal(CREATION[name](out_sharding=None), CREATION[name]())
    with pytest.raises(NotImplementedError, match=rf"fnp\.{name}: the `out_sharding` "
                       r"argument is not supported \(fungrad has no sharding"):
        CREATION[name](out_sharding=object())


def test_device_put_semantics_for_device_arrays_and_tracers():
    on_device = to_fake(np.arange(3.0), 0)
    assert isinstance(fnp.zeros_like(on_device), FakeDeviceArray)  # None: a's device
    back = fnp.zeros_like(on_device, device="cpu")
    assert type(back) is fg.Array and back.tolist() == [0.0, 0.0, 0.0]
    assert type(fnp.asarray(on_device, device=CPU)) is fg.Array

    @fg.jit
    def f(x):
        return fnp.asarray(x, device="cpu") + fnp.ones_like(x, device=CPU)

    np.testing.assert_array_equal(f(np.arange(2.0)), [1.0, 2.0])
    assert float(fg.grad(lambda x: fnp.full((), x, device="cpu") * 3.0)(2.0)) == 3.0


OUT_SHARDING = {
    "reshape": lambda **kw: fnp.reshape(np.arange(6), (2, 3), **kw),
    "ravel": lambda **kw: fnp.ravel(np.ones((2, 2)), **kw),
    "repeat": lambda **kw: fnp.repeat(np.arange(2), 2, **kw),
    "broadcast_to": lambda **kw: fnp.broadcast_to(np.arange(2), (3, 2), **kw),
    "dot": lambda **kw: fnp.dot(np.ones((2, 3)), np.ones(3), **kw),
    "matmul": lambda **kw: fnp.matmul(np.ones((2, 3)), np.ones((3, 2)), **kw),
    "tensordot": lambda **kw: fnp.tensordot(np.ones((2, 3)), np.ones((3, 2)), 1, **kw),
    "einsum": lambda **kw: fnp.einsum("ij,j->i", np.ones((2, 3)), np.ones(3), **kw),
}


@pytest.mark.parametrize("name", sorted(OUT_SHARDING))
def test_out_sharding_of_shape_and_product_functions(name):
    assert "out_sharding" in inspect.signature(getattr(jnp, name)).parameters
    np.testing.assert_array_equal(OUT_SHARDING[name](out_sharding=None), OUT_SHARDING[name]())
    with pytest.raises(NotImplementedError, match=rf"fnp\.{name}: the `out_sharding`"):
        OUT_SHARDING[name](out_sharding=object())


# ---------------------------------------------------------------------------------------
# take_along_axis(wrap_negative_indices=)

ROWS = np.arange(12.0).reshape(3, 4) * 10
INDICES = np.array([[-5, -4, -1, 0], [3, 4, -2, 1], [2, -3, 0, -1]])


def _take_along(lib, mode, wrap, axis=1):
    return lambda rows, i: lib.take_along_axis(rows, i, axis=axis, mode=mode,
                                               wrap_negative_indices=wrap)


@pytest.mark.parametrize("transform", ["eager", "jit", "vmap"])
@pytest.mark.parametrize("wrap", [None, True, False])
@pytest.mark.parametrize("mode", ["clip", "fill"])
def test_take_along_axis_wrap_negative_indices_matches_jnp(mode, wrap, transform):
    want = _take_along(jnp, mode, wrap)(ROWS, INDICES)
    f = _take_along(fnp, mode, wrap)
    transformed = {"eager": f, "jit": fg.jit(f),
                   "vmap": fg.vmap(_take_along(fnp, mode, wrap, axis=0))}[transform]
    np.testing.assert_array_equal(transformed(ROWS, INDICES), want)


def test_take_along_axis_without_a_mode():
    in_range = np.array([[-4, -1, 0, 3]] * 3)
    for wrap in (None, True):
        np.testing.assert_array_equal(_take_along(fnp, None, wrap)(ROWS, in_range),
                                      _take_along(jnp, None, wrap)(ROWS, in_range))
    with pytest.raises(IndexError, match=r"fnp\.take_along_axis: index -4 .*"
                       r"wrap_negative_indices=False"):
        _take_along(fnp, None, False)(ROWS, in_range)
    with pytest.raises(IndexError):  # traced: the gather's bounds check rejects it
        fg.jit(_take_along(fnp, None, False))(ROWS, in_range)
    np.testing.assert_array_equal(_take_along(fnp, None, False)(ROWS, in_range % 4),
                                  _take_along(jnp, None, False)(ROWS, in_range % 4))
    x = np.array([3.0, 1.0, 2.0])
    grads = fg.grad(lambda v: fnp.take_along_axis(v, np.array([-1, 0]), 0, mode="clip",
                                                  wrap_negative_indices=True).sum())(x)
    np.testing.assert_array_equal(grads, [1.0, 0.0, 1.0])


# ---------------------------------------------------------------------------------------
# pad's keywords

PAD_CASES = [
    ("constant", {}), ("constant", {"constant_values": ((1, 2), (3, 4))}), ("empty", {}),
    ("edge", {}), ("wrap", {}), ("reflect", {}), ("symmetric", {}),
    ("reflect", {"reflect_type": "odd"}), ("symmetric", {"reflect_type": "odd"}),
    ("linear_ramp", {}), ("linear_ramp", {"end_values": (-3, 7)}),
    ("linear_ramp", {"end_values": ((1, 2), (3, 4))}), ("maximum", {}),
    ("minimum", {"stat_length": 2}), ("mean", {}), ("mean", {"stat_length": ((1, 2), (3, 1))}),
    ("median", {}), ("median", {"stat_length": 2}),
]
PAD_ARRAYS = {"float": np.random.default_rng(0).normal(size=(3, 4)),
              "int": np.random.default_rng(1).integers(-9, 9, (3, 4)),
              "row": np.array([[2.0, -1.0, 4.0]])}


@pytest.mark.parametrize("width", [1, (2, 3), ((0, 7), (5, 1))], ids=["1", "2-3", "per-axis"])
@pytest.mark.parametrize("kind", sorted(PAD_ARRAYS))
@pytest.mark.parametrize("case", range(len(PAD_CASES)),
                         ids=[f"{m}-{sorted(k)}" for m, k in PAD_CASES])
def test_pad_modes_and_keywords_match_jnp(case, kind, width):
    mode, kwargs = PAD_CASES[case]
    x = PAD_ARRAYS[kind]
    got = fnp.pad(x, width, mode, **kwargs)
    # Integer linear ramps round as NumPy's linspace does (jnp's is off by one in places).
    want = (np.pad(x, width, mode, **kwargs) if mode in ("linear_ramp", "empty")
            else jnp.pad(x, width, mode, **kwargs))
    if mode == "empty":
        want = np.where(np.pad(np.ones(x.shape, bool), width), want, 0)
    assert got.dtype == np.asarray(want).dtype
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(fg.jit(lambda v: fnp.pad(v, width, mode, **kwargs))(x), got)


@pytest.mark.parametrize("case", range(len(PAD_CASES)),
                         ids=[f"{m}-{sorted(k)}" for m, k in PAD_CASES])
def test_pad_gradients_and_vmap_match_jax(case):
    mode, kwargs = PAD_CASES[case]
    x = PAD_ARRAYS["float"]
    width = ((2, 5), (1, 3))
    w = np.random.default_rng(2).normal(size=np.pad(x, width).shape)
    np.testing.assert_allclose(
        fg.grad(lambda v: (fnp.pad(v, width, mode, **kwargs) * w).sum())(x),
        jax.grad(lambda v: (jnp.pad(v, width, mode, **kwargs) * w).sum())(x), rtol=1e-12)
    if mode != "empty" and not any(isinstance(v, tuple) for v in kwargs.values()):
        np.testing.assert_allclose(fg.vmap(lambda v: fnp.pad(v, (2, 5), mode, **kwargs))(x),
                                   jax.vmap(lambda v: jnp.pad(v, (2, 5), mode, **kwargs))(x),
                                   rtol=1e-12)


def _fill_ends(lib):
    def fill(vector, width, axis, kwargs):
        vector = vector.at[:width[0]].set(kwargs.get("value", 10.0) + axis)
        return vector.at[vector.shape[0] - width[1]:].set(-1.0)
    return fill


def test_pad_with_a_function_matches_jnp():
    x = np.arange(12.0).reshape(3, 4)
    for width in (1, ((1, 2), (0, 3))):
        np.testing.assert_array_equal(fnp.pad(x, width, _fill_ends(fnp), value=3.0),
                                      jnp.pad(x, width, _fill_ends(jnp), value=3.0))
    np.testing.assert_array_equal(fg.jit(lambda v: fnp.pad(v, 2, _fill_ends(fnp)))(x),
                                  jnp.pad(x, 2, _fill_ends(jnp)))


def test_pad_keyword_errors():
    x = np.ones((2, 2))
    with pytest.raises(TypeError, match=r"fnp\.pad got unexpected keyword arguments "
                       r"\['colour'\]; it takes \['constant_values', 'end_values', "
                       r"'reflect_type', 'stat_length'\]"):
        fnp.pad(x, 1, colour=1)
    for mode, kwargs in (("edge", {"stat_length": 1}), ("constant", {"reflect_type": "odd"}),
                         ("mean", {"end_values": 1})):
        with pytest.raises(ValueError):
            jnp.pad(x, 1, mode, **kwargs)
        with pytest.raises(ValueError, match=rf"fnp\.pad: mode='{mode}' takes .*, not "
                           rf"\['{next(iter(kwargs))}'\]"):
            fnp.pad(x, 1, mode, **kwargs)
    with pytest.raises(ValueError, match="reflect_type must be 'even' or 'odd'"):
        fnp.pad(x, 1, "reflect", reflect_type="mirror")
    with pytest.raises(ValueError, match="stat_length=0 has a 0"):
        fnp.pad(x, 1, "mean", stat_length=0)
    with pytest.raises(NotImplementedError, match="mode='bogus' is not supported"):
        fnp.pad(x, 1, "bogus")
    with pytest.raises(ValueError, match="pad_width must be non-negative"):
        fnp.pad(x, -1)
    with pytest.raises(ValueError, match="cannot pad an empty axis 0 with mode='mean'"):
        fnp.pad(np.ones((0, 2)), 1, "mean")


@pytest.mark.parametrize("name, call", [
    ("take", lambda m, out: m.take(np.arange(3.0), np.array([0, 2]), out=out)),
    ("einsum", lambda m, out: m.einsum("i,i->", np.ones(3), np.ones(3), out=out)),
    ("outer", lambda m, out: m.outer(np.ones(2), np.ones(3), out=out)),
], ids=["take", "einsum", "outer"])
def test_out_raises_not_implemented_as_in_jnp(name, call):
    with pytest.raises(NotImplementedError):
        call(jnp, np.zeros(6))
    with pytest.raises(NotImplementedError, match=rf"fnp\.{name}: the `out` argument is not "
                       r"supported \(fungrad arrays are immutable\); use the return value"):
        call(fnp, np.zeros(6))
