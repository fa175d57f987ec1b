"""Direct linearizations (``defjvp_scaled``, ``deflinearize_passthrough``) record the same
linear IR as the general path.

Under reverse mode the LinearizeTrace runs a primitive's direct linearization when it has
one (``linearize.linearize_rules``) instead of running its JVP rule on the tangent staging
trace. The two must agree exactly: same equations, same avals, same gradients.
"""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.interpreters import linearize
from fungrad.interpreters.jvp import jvp_rules
from fungrad.interpreters.linearize import linearize_flat

_W = np.array([[0.3, -1.2], [0.7, 0.4]])


def _mlp(x):
    """A two-layer ReLU network whose weights and bias come from x (dot_general with one
    and two staged tangents, broadcast bias, maximum, log-softmax's reductions)."""
    w, b = fnp.reshape(x, (2, 2)), x[:2]
    h = fnp.maximum(_W @ w + b, 0.0)
    logits = h @ w.T + b
    logits = logits - fg.stop_gradient(fnp.max(logits, axis=1, keepdims=True))
    return -fnp.mean(fnp.sum(logits - fnp.log(fnp.sum(fnp.exp(logits), axis=1, keepdims=True)),
                             axis=1))


FUNCTIONS = {
    "chain": lambda x: fnp.sum(fnp.tanh(fnp.sin(x) * 1.01) + 0.5),
    "product_of_tracers": lambda x: fnp.sum(x * fnp.exp(x) * x),
    "scalar_broadcast": lambda x: fnp.sum(x[0] * fnp.cosh(x) + fnp.sinh(x[1]) * x),
    "all_scaled": lambda x: fnp.sum(fnp.expm1(x) * fnp.exp2(x) + fnp.tan(x) * fg.lax.logistic(x)),
    "float32": lambda x: fnp.sum(fnp.sin(x.astype(np.float32)) * np.float32(3.0)),
    "sums": lambda x: fnp.sum((x + 0.5) - 1.0 + (2.0 + x) - (3.0 - x) + (x - x) + x[1]),
    "rank0_sums": lambda x: fnp.sum((fnp.sum(x) + np.ones(3)) - (x[0] - np.ones(3)) + x[2]),
    # multilinear: dot_general with a tangent on either side, on both, as vector products
    "matmul": lambda x: fnp.sum(fnp.reshape(x, (2, 2)) @ fnp.reshape(fnp.sin(x), (2, 2))
                                + _W @ fnp.reshape(x, (2, 2)) + fnp.reshape(x, (2, 2)) @ _W)
                        + fnp.dot(x, x) + fnp.dot(x, np.arange(4.0)),
    "matmul_float32": lambda x: fnp.sum(fnp.reshape(x.astype(np.float32), (2, 2))
                                        @ _W.astype(np.float32)),
    "mlp": _mlp,
    # linear primitives (deflinear, deflinear_in_first), zeros among the tangents included
    "broadcast_reduce": lambda x: fnp.sum(fnp.broadcast_to(x, (3, 4)) * np.arange(12.0).reshape(
        3, 4)) + fnp.sum(x[None, :] + x[:, None], axis=0)[1] + fnp.mean(x),
    "shapes": lambda x: fnp.sum(fnp.transpose(fnp.reshape(x, (2, 2))) * _W)
                        + fnp.sum(fnp.expand_dims(x, 0)[0, 1:3] * fnp.flip(x)[:2])
                        + fnp.sum(fnp.squeeze(x[None]) ** 2),
    "joins": lambda x: fnp.sum(fnp.concatenate([x, fnp.sin(x)]) * np.arange(8.0))
                       + fnp.sum(fnp.concatenate([x, np.ones(2)]) ** 2)
                       + fnp.sum(fnp.pad(x, 1) * np.arange(6.0)) + fnp.sum(fnp.cumsum(x) ** 2),
    "gathers": lambda x: fnp.sum(x[np.array([0, 2, 2])] * x[1])
                         + fg.lax.dynamic_slice(x, (1,), (2,))[0] * 3.0,
    "complex_parts": lambda x: fnp.sum(fnp.real(x * (1.0 + 2.0j)) * fnp.imag(x * (0.5 - 1.0j))
                                       + fnp.real(fnp.conj(x * 1.0j) * 2.0j)),
}


def _linear_ir_and_grad(fun, x, sites):
    _, lin = linearize_flat(lambda x: [fun(x)], [x], record_sites=sites)
    lin.ir.show_sites = sites
    return str(lin.ir), fg.grad(fun)(x)


@pytest.mark.parametrize("sites", [False, True], ids=["plain", "sites"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_direct_linearization_matches_general_path(name, sites, monkeypatch):
    x = np.linspace(0.2, 0.9, 4)
    fun = FUNCTIONS[name]
    direct_ir, direct_grad = _linear_ir_and_grad(fun, x, sites)
    monkeypatch.setattr(linearize.LinearizeTrace, "direct_rules", {})
    general_ir, general_grad = _linear_ir_and_grad(fun, x, sites)
    assert direct_ir == general_ir
    np.testing.assert_array_equal(direct_grad, general_grad)
    assert direct_grad.dtype == general_grad.dtype


def test_direct_rules_follow_the_registered_jvp_rules():
    """A direct linearization is a faster path to the JVP rule it was built from: a rule
    registered later (an override) must not leave a stale direct one behind."""
    for prim, rule in linearize.linearize_rules.items():
        assert jvp_rules[prim] is rule.general, prim.name


def test_direct_rules_cover_the_common_primitives():
    names = {p.name for p in linearize.linearize_rules}
    for name in ("sin", "tanh", "exp", "mul", "add", "sub", "dot_general", "broadcast_in_dim",
                 "reduce_sum", "reshape", "transpose", "neg", "gather", "concatenate"):
        assert name in names, name


def test_direct_rules_keep_shape_errors(monkeypatch):
    """A contraction whose dimensions do not fit fails under grad with the same error on
    both paths (a ShapeError, a TypeError as in JAX, naming the shapes)."""
    bad = lambda x: fnp.sum(fg.lax.dot_general(  # noqa: E731
        x, np.ones((4, 2)), (((1,), (0,)), ((), ()))))
    messages = []
    for direct in (True, False):
        if not direct:
            monkeypatch.setattr(linearize.LinearizeTrace, "direct_rules", {})
        with pytest.raises(TypeError, match=r"\(2, 3\)") as info:
            fg.grad(bad)(np.ones((2, 3)))
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def _outer_transforms(fun):
    df = fg.grad(fun)
    x = np.linspace(0.2, 0.9, 4)
    xs = np.stack([x, x[::-1], x * 0.5])
    return [fg.grad(lambda x: fnp.sum(df(x) ** 2))(x), fg.jacfwd(df)(x), fg.vmap(df)(xs),
            fg.jit(df)(x), fg.grad(fg.checkpoint(fun))(x)]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_direct_rules_under_outer_transforms_match_general_path(name, monkeypatch):
    """With tracers of enclosing transforms as primals (second order, vmap of grad, jit of
    grad, checkpoint), direct and general rules compute the same derivatives."""
    direct = _outer_transforms(FUNCTIONS[name])
    monkeypatch.setattr(linearize.LinearizeTrace, "direct_rules", {})
    general = _outer_transforms(FUNCTIONS[name])
    for d, g in zip(direct, general):
        np.testing.assert_allclose(d, g, rtol=1e-13, atol=1e-15)


def test_direct_rules_are_used_under_grad():
    _, lin = linearize_flat(lambda x: [fnp.sin(x)], [np.ones(3)])
    assert [e.prim.name for e in lin.ir.eqns] == ["mul"]
    assert linearize.linearize_rules, "no direct linearizations registered"


def test_direct_rules_compose_with_outer_transforms():
    f = lambda x: fnp.sin(x) * fnp.tanh(x)  # noqa: E731
    df = fg.grad(f)
    d2 = fg.grad(df)(0.3)
    expected = -np.sin(0.3) * np.tanh(0.3) + 2 * np.cos(0.3) * (1 - np.tanh(0.3) ** 2) \
        - 2 * np.sin(0.3) * np.tanh(0.3) * (1 - np.tanh(0.3) ** 2)
    np.testing.assert_allclose(d2, expected, rtol=1e-12)
    xs = np.linspace(0.1, 0.5, 3)
    np.testing.assert_allclose(fg.vmap(df)(xs), [df(x) for x in xs], rtol=1e-12)
    np.testing.assert_allclose(fg.jit(df)(0.3), df(0.3), rtol=1e-12)
    np.testing.assert_allclose(fg.grad(fg.checkpoint(f))(0.3), df(0.3), rtol=1e-12)
