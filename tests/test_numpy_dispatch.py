"""NumPy functions called on tracers: dispatched to fungrad.numpy, or fungrad's explanation."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.errors import TracerArrayConversionError

X = np.array([0.5, 1.0, 2.0])


@pytest.mark.parametrize("transform", ["grad", "jit", "vmap"])
def test_numpy_ufuncs_and_functions_on_tracers_match_fungrad_numpy(transform):
    def with_np(x):
        return np.sum(np.exp(x) * np.sin(x)) + np.linalg.norm(np.maximum(x, 1.0))

    def with_fnp(x):
        return fnp.sum(fnp.exp(x) * fnp.sin(x)) + fnp.linalg.norm(fnp.maximum(x, 1.0))

    t = {"grad": fg.grad, "jit": fg.jit, "vmap": lambda f: fg.vmap(f, in_axes=1)}[transform]
    xs = X if transform != "vmap" else np.stack([X, 2 * X])
    np.testing.assert_allclose(t(with_np)(xs), t(with_fnp)(xs), rtol=1e-13)


def test_numpy_operators_with_a_numpy_left_operand_still_trace():
    w = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(fg.grad(lambda x: (w * x + w @ x - (w < x)).sum())(X), 4 * w)
    np.testing.assert_allclose(fg.jit(lambda x: np.concatenate([x, w]))(X), np.r_[X, w])


def _error(f):
    with pytest.raises(TracerArrayConversionError) as info:
        fg.jit(f)(X)
    return str(info.value)


def test_missing_numpy_function_names_it_and_the_fix(monkeypatch):
    msg = _error(lambda x: np.isnat(x))
    assert msg.startswith("np.isnat was called on a traced value f64[3] (inside the jit of")
    assert "fungrad.numpy has no `isnat`" in msg
    # fnp.linalg now has every np.linalg function: hide one to see a submodule's message
    monkeypatch.delattr(fnp.linalg, "tensorinv")
    msg = _error(lambda x: np.linalg.tensorinv(x))
    assert msg.startswith("np.linalg.tensorinv was called") and "no `linalg.tensorinv`" in msg


def test_ufunc_keywords_and_methods_are_not_dispatched_and_say_what_to_call():
    assert "call fungrad.numpy.exp directly" in _error(lambda x: np.exp(x, dtype=np.float32))
    assert "`np.add.reduce` is not dispatched" in _error(lambda x: np.add.reduce(x))
    assert "write `x = x + tracer`" in _error(lambda x: np.exp(x, out=np.empty(3)))

    def inplace(x):
        a = np.zeros(3)
        a += x  # NumPy's in-place add writes into `a` (JAX: an error too)
        return a

    assert _error(inplace).startswith("np.add was called on a traced value")


def test_numpy_asarray_of_a_tracer_still_explains():
    with pytest.raises(TracerArrayConversionError, match=r"Cannot convert a traced value"):
        fg.jit(lambda x: np.asarray(x))(X)


def test_numpy_ufunc_on_tracer_matches_jax_values():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)

    def f(x):
        return np.tanh(x) * np.exp(x)  # NumPy's names on traced values

    ours = fg.grad(lambda x: fnp.sum(f(x)))(X)
    ref = jax.grad(lambda x: jax.numpy.sum(jax.numpy.tanh(x) * jax.numpy.exp(x)))(X)
    np.testing.assert_allclose(ours, np.asarray(ref), rtol=1e-13)


# NumPy's names added last to fungrad.numpy, called on tracers the way ported NumPy code
# calls them: each forwards to the fnp function of the same name (ufuncs through
# __array_ufunc__, the rest through __array_function__). Values that must be concrete are
# traced under grad (concrete there); the others under jit.
INTS = np.array([12, 18, 7])
FORWARDED = {
    "frexp": ("jit", lambda m, x: m.frexp(x)[0]),
    "nextafter": ("jit", lambda m, x: m.nextafter(x, 0.0)),
    "spacing": ("jit", lambda m, x: m.spacing(x)),
    "i0": ("jit", lambda m, x: m.i0(x)),
    "gcd": ("jit", lambda m, x: m.gcd(x.astype(np.int64), INTS)),
    "lcm": ("jit", lambda m, x: m.lcm(x.astype(np.int64), INTS)),
    "bitwise_count": ("jit", lambda m, x: m.bitwise_count(x.astype(np.int64))),
    "bitwise_invert": ("jit", lambda m, x: m.bitwise_invert(x.astype(np.int64))),
    "bitwise_left_shift": ("jit", lambda m, x: m.bitwise_left_shift(x.astype(np.int64), 2)),
    "bitwise_right_shift": ("jit", lambda m, x: m.bitwise_right_shift(x.astype(np.int64), 1)),
    "pow": ("jit", lambda m, x: m.pow(x, 3)),
    "matvec": ("jit", lambda m, x: m.matvec(m.outer(x, x), x)),
    "vecmat": ("jit", lambda m, x: m.vecmat(x, m.outer(x, x))),
    "packbits": ("jit", lambda m, x: m.packbits(x > 1)),
    "unpackbits": ("jit", lambda m, x: m.unpackbits(x.astype(np.uint8))),
    "apply_over_axes": ("jit", lambda m, x: m.apply_over_axes(m.sum, m.outer(x, x), [0])),
    "argpartition": ("jit", lambda m, x: m.argpartition(x, 1)[1]),
    "partition": ("jit", lambda m, x: m.partition(x, 1)[1]),
    "array_equiv": ("jit", lambda m, x: m.array_equiv(x, x)),
    "block": ("jit", lambda m, x: m.block([[x], [x]])),
    "delete": ("jit", lambda m, x: m.delete(x, 1)),
    "insert": ("jit", lambda m, x: m.insert(x, 1, 5.0)),
    "ediff1d": ("jit", lambda m, x: m.ediff1d(x)),
    "histogram": ("jit", lambda m, x: m.histogram(x, bins=2)[0]),
    "histogram_bin_edges": ("jit", lambda m, x: m.histogram_bin_edges(x, bins=2)),
    "histogram2d": ("jit", lambda m, x: m.histogram2d(x, x, bins=2)[0]),
    "histogramdd": ("jit", lambda m, x: m.histogramdd(m.stack([x, x], 1), bins=2)[0]),
    "iscomplex": ("jit", lambda m, x: m.iscomplex(x)),
    "isrealobj": ("jit", lambda m, x: m.isrealobj(x)),
    "piecewise": ("jit", lambda m, x: m.piecewise(x, [x > 1], [lambda v: 2 * v, 0.0])),
    "poly": ("jit", lambda m, x: m.poly(x)),
    "polyadd": ("jit", lambda m, x: m.polyadd(x, x[:2])),
    "polysub": ("jit", lambda m, x: m.polysub(x, x[:2])),
    "polymul": ("jit", lambda m, x: m.polymul(x, x)),
    "polydiv": ("jit", lambda m, x: m.polydiv(x, x[:2])[0]),
    "polyder": ("jit", lambda m, x: m.polyder(x)),
    "polyint": ("jit", lambda m, x: m.polyint(x)),
    "polyfit": ("jit", lambda m, x: m.polyfit(x, x * x, 1)),
    "vander": ("jit", lambda m, x: m.vander(x)),
    "ravel_multi_index": ("jit", lambda m, x: m.ravel_multi_index(
        (x.astype(np.int64), x.astype(np.int64)), (3, 3), mode="clip")),
    "rollaxis": ("jit", lambda m, x: m.rollaxis(m.outer(x, x)[None], 2)),
    "sort_complex": ("jit", lambda m, x: m.sort_complex(x).real),
    "unwrap": ("jit", lambda m, x: m.unwrap(4 * x)),
    "einsum_path": ("jit", lambda m, x: x + len(m.einsum_path("i,i->", x, x)[0])),
    "real_if_close": ("grad", lambda m, x: m.real_if_close(x + 0j)),
    "roots": ("grad", lambda m, x: m.roots(m.concatenate([x, x])).real),
    "setxor1d": ("grad", lambda m, x: m.setxor1d(x, x[:1])),
    "trim_zeros": ("grad", lambda m, x: m.trim_zeros(x - 0.5)),
    "flatnonzero": ("grad", lambda m, x: x[m.flatnonzero(x > 1)]),
}


@pytest.mark.parametrize("name", sorted(FORWARDED))
def test_numpy_calls_of_the_newer_names_forward_to_fungrad_numpy(name):
    how, call = FORWARDED[name]
    if how == "jit":
        np.testing.assert_allclose(fg.jit(lambda x: call(np, x))(X), call(fnp, X))
        return

    def total(m):
        def f(x):
            out = call(m, x)
            return fnp.sum(out) + fnp.sum(out * out)
        return f

    got, want = fg.value_and_grad(total(np))(X), fg.value_and_grad(total(fnp))(X)
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
