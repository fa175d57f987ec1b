"""Control flow beyond the table rows: compositions, integer carries, nesting, errors."""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError, TransformError
from fungrad.test_util import check_grads

RNG = np.random.default_rng(0)
W = RNG.normal(size=(3, 3)) * 0.5
XS = RNG.normal(size=(4, 3))


def _close(a, b, tol=1e-10):
    for x, y in zip(fg.tree_util.tree_leaves(a), fg.tree_util.tree_leaves(b)):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=tol, atol=tol)


def nested(w, h, xs):
    """A scan whose body has a cond whose branch has a scan."""
    def inner(c, _):
        return fnp.tanh(c @ w), fnp.sum(c)

    def body(carry, x):
        carry = lax.cond(fnp.sum(x) > 0, lambda c: lax.scan(inner, c, None, length=2)[0],
                         lambda c: c * fnp.cos(x), carry + x)
        return carry, fnp.sum(carry ** 2)

    return lax.scan(body, h, xs)


def nested_loop(w, h, xs):
    ys = []
    for x in xs:
        c = h + x
        if np.sum(x) > 0:
            for _ in range(2):
                c = fnp.tanh(c @ w)
        else:
            c = c * fnp.cos(x)
        h = c
        ys.append(fnp.sum(h ** 2))
    return h, fnp.stack(ys)


def test_nested_control_flow_matches_python():
    h0 = RNG.normal(size=3)
    _close(nested(W, h0, XS), nested_loop(W, h0, XS))
    loss = lambda f: lambda w, h: fnp.sum(f(w, h, XS)[1])  # noqa: E731
    _close(fg.grad(loss(nested), argnums=(0, 1))(W, h0),
           fg.grad(loss(nested_loop), argnums=(0, 1))(W, h0))
    _close(fg.jit(fg.grad(loss(nested), argnums=(0, 1)))(W, h0),
           fg.grad(loss(nested_loop), argnums=(0, 1))(W, h0))
    check_grads(lambda w, h: nested(w, h, XS), (W, h0), order=2)


@pytest.mark.parametrize("axes", [(0, None, None), (None, 0, None), (None, None, 0),
                                  (0, 0, 1)])
def test_vmap_of_scan_over_each_operand(axes):
    ws = np.stack([W, -W])
    hs = RNG.normal(size=(2, 3))
    xss = np.stack([XS, XS * 0.5], axis=1)  # batch on axis 1 for the last case
    args = [ws if axes[0] == 0 else W, hs if axes[1] == 0 else hs[0],
            (xss if axes[2] == 1 else np.stack([XS, -XS])) if axes[2] is not None else XS]
    got = fg.vmap(nested, in_axes=axes)(*args)

    def example(i):
        pick = [a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, axes)]
        return nested(*pick)

    want = [np.stack([np.asarray(example(i)[k]) for i in range(2)]) for k in range(2)]
    _close(got, want)


def test_eager_cond_returns_arrays_for_operands_passed_through():
    # JAX's lax.cond returns arrays; a branch returning its Python-float operand must too.
    out = lax.cond(True, lambda x: (x, x * 2), lambda x: (x * 3, x), 1.0)
    assert all(isinstance(o, np.ndarray) or isinstance(o, np.generic) for o in out)
    assert out[0].shape == () and out[0].dtype == np.float64
    assert lax.switch(0, [lambda: 1, lambda: 2]).dtype == np.int64


def test_integer_carry_and_integer_operands():
    def f(x):
        (n, s), _ = lax.scan(lambda c, x: ((c[0] + 1, c[1] + x * c[0]), None), (0, 0.0), x)
        return s * n

    x = np.arange(1.0, 5.0)
    assert float(f(x)) == 4 * sum(i * v for i, v in enumerate(x))
    np.testing.assert_allclose(fg.grad(f)(x), 4 * np.arange(4.0))
    g = lambda k, x: lax.cond(k > 1, lambda k, x: x * k, lambda k, x: x - k, k, x)  # noqa: E731
    assert float(fg.grad(g, argnums=1)(3, 2.0)) == 3.0
    assert fg.grad(g, argnums=(0, 1), allow_int=True)(3, 2.0)[0].dtype == fg.float0


def test_weak_initial_carry_takes_the_bodys_dtype():
    # JAX's rule: a Python-scalar init promotes with what the body returns for it, so a
    # float32 loop started from 0.0 (or 0) carries float32; a strong init keeps its dtype.
    xs = np.arange(4.0, dtype=np.float32)
    carry, ys = lax.scan(lambda c, x: (c + x, c * 2), 0.0, xs)
    assert carry.dtype == ys.dtype == np.float32 and float(carry) == 6.0
    assert lax.scan(lambda c, x: (c + x, None), 0, xs)[0].dtype == np.float32
    assert lax.scan(lambda c, x: (c + x, None), np.float64(0.0), xs)[0].dtype == np.float64
    assert lax.fori_loop(0, 3, lambda i, c: c + fnp.asarray(xs)[i], 0.0).dtype == np.float32
    n, v = lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] + xs[1]), (0, 0.0))
    assert (n.dtype, v.dtype, float(v)) == (np.int64, np.float32, 3.0)
    assert fg.jit(lambda xs: lax.scan(lambda c, x: (c * 0.5 + x, None), 1.0, xs)[0])(
        xs).dtype == np.float32
    w = np.float32(0.5)
    g = fg.grad(lambda w: lax.scan(lambda c, x: (c * w + x, None), 0.0, xs)[0])(w)
    assert g.dtype == np.float32 and float(g) == 2 * 0.5 + 2  # c = w**2 + 2w + 3
    with pytest.raises(ShapeError, match="carry leaf 0.*f64\\[\\].*i32\\[\\]"):
        lax.scan(lambda c, x: (fnp.int32(1) + 0 * c.astype(np.int32), None), 0.0, xs)


def test_fori_loop_with_traced_bounds_is_forward_only():
    f = lambda x, n: lax.fori_loop(0, n, lambda i, v: v * x, 1.0)  # noqa: E731
    assert float(fg.jit(f)(2.0, 5)) == 32.0
    assert float(fg.jvp(lambda x: fg.jit(f)(x, 5), (2.0,), (1.0,))[1]) == 5 * 2.0 ** 4
    with pytest.raises(TransformError, match="scan"):
        fg.grad(lambda x: fg.jit(f)(x, 5))(2.0)
    assert float(fg.grad(lambda x: f(x, 5))(2.0)) == 5 * 2.0 ** 4  # concrete bounds: a scan


def test_scan_errors():
    with pytest.raises(ShapeError, match="carry leaf 0.*f64\\[3\\].*f64\\[2\\]"):
        lax.scan(lambda c, x: (c[:2], x), np.zeros(3), XS)
    with pytest.raises(TypeError, match="structure"):
        lax.scan(lambda c, x: ((c, c), x), np.zeros(3), XS)
    with pytest.raises(ShapeError, match="different leading sizes"):
        lax.scan(lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(4)))
    with pytest.raises(ShapeError, match="length=5"):
        lax.scan(lambda c, x: (c, x), 0.0, np.ones(3), length=5)


def test_while_loop_errors_and_batched_predicate():
    with pytest.raises(TypeError, match="boolean scalar"):
        lax.while_loop(lambda v: v, lambda v: v + 1.0, 1.0)
    f = lambda x: lax.while_loop(lambda v: v[0] < 3.0, lambda v: (v[0] + x, v[1] + 1), (x, 0))  # noqa: E731
    xs = np.array([0.5, 1.0, 4.0])
    got = fg.vmap(f)(xs)
    want = [f(x) for x in xs]
    np.testing.assert_allclose(got[0], [w[0] for w in want])
    np.testing.assert_array_equal(got[1], [w[1] for w in want])
