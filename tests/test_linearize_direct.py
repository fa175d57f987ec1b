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


def _unspecialized_rules() -> dict:
    return {p: r for p, r in linearize.linearize_rules.items()
            if not getattr(r, "specialized", False)}


@pytest.mark.parametrize("sites", [False, True], ids=["plain", "sites"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_direct_linearization_matches_general_path(name, sites, monkeypatch):
    """Same equations (the specialized rules, which record fewer, are set aside here and
    checked below), same gradients."""
    x = np.linspace(0.2, 0.9, 4)
    fun = FUNCTIONS[name]
    monkeypatch.setattr(linearize.LinearizeTrace, "direct_rules", _unspecialized_rules())
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


# Specialized direct rules (max/min against a constant, reduce_max/min on host arrays,
# x - y as one sub) record fewer equations than the general rule; the derivatives must be
# the same, at ties, nans and infinities included.
_TIES = np.array([[-1.0, 0.0, 2.0, 2.0], [0.5, 0.0, -3.0, 0.5], [np.nan, 1.0, 0.0, -0.0]])
_WEIGHTS = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]])

SPECIALIZED = {
    "relu": lambda x: fnp.sum(fnp.maximum(x, 0.0) * _WEIGHTS),
    "relu_left": lambda x: fnp.sum(fnp.maximum(0.5, x) * _WEIGHTS),
    "min_const": lambda x: fnp.sum(fnp.minimum(x, 0.5) * _WEIGHTS),
    "clip": lambda x: fnp.sum(fnp.clip(x, -1.0, 0.5) * _WEIGHTS),
    "max_array_const": lambda x: fnp.sum(fnp.maximum(x, _TIES[::-1]) * _WEIGHTS),
    "max_row_const": lambda x: fnp.sum(fnp.maximum(x, np.array([0.0, 1.0, 2.0, 0.5])) * _WEIGHTS),
    "max_rank0_tangent": lambda x: fnp.sum(fnp.maximum(x[1, 1], _TIES)),
    "inf_cotangent": lambda x: fnp.sum(fnp.sqrt(fnp.maximum(x, 0.0))),  # inf at the zeros
    "both_tangents": lambda x: fnp.sum(fnp.maximum(x, x[::-1]) * _WEIGHTS),
    "reduce_max_rows": lambda x: fnp.sum(fnp.max(x, axis=1) * np.arange(3.0)),
    "reduce_max_ties": lambda x: fnp.sum(fnp.max(fnp.where(fnp.isnan(x), 0.0, x), axis=0)
                                         * np.arange(4.0)),
    "reduce_min_all": lambda x: fnp.min(fnp.where(fnp.isnan(x), 5.0, x)),
    "reduce_max_keepdims": lambda x: fnp.sum(
        (x - fnp.max(fnp.nan_to_num(x), axis=(0, 1), keepdims=True)) * _WEIGHTS),
    "reduce_max_nan_slice": lambda x: fnp.sum(fnp.max(x, axis=1)),
    "sub_both": lambda x: fnp.sum((x - x[::-1] * 2.0) * _WEIGHTS - (x[0] - x[1]) + (1.0 - x)),
    "softmax": lambda x: fnp.sum(fg.nn.log_softmax(fnp.nan_to_num(x), axis=1) * _WEIGHTS),
}


def _specialized_eqns(fun, x):
    _, lin = linearize_flat(lambda x: [fun(x)], [x])
    return len(lin.ir.eqns)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(SPECIALIZED))
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf_cotangent: 1 / sqrt(0)
def test_specialized_rules_give_the_general_derivatives(name, dtype, monkeypatch):
    fun, x = SPECIALIZED[name], _TIES.astype(dtype)
    direct, direct_eqns = fg.grad(fun)(x), _specialized_eqns(fun, x)
    direct_lin = fg.linearize(fun, x)[1](np.ones_like(x))
    monkeypatch.setattr(linearize.LinearizeTrace, "direct_rules", _unspecialized_rules())
    general, general_eqns = fg.grad(fun)(x), _specialized_eqns(fun, x)
    general_lin = fg.linearize(fun, x)[1](np.ones_like(x))
    np.testing.assert_array_equal(direct, general)
    np.testing.assert_array_equal(direct_lin, general_lin)
    assert direct.dtype == general.dtype == dtype
    assert direct_eqns <= general_eqns


def test_specialized_rules_record_one_select_for_a_relu():
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    _, lin = linearize_flat(lambda x: [fnp.maximum(x, 0.0)], [x])
    assert [e.prim.name for e in lin.ir.eqns] == ["select_n"]
    _, lin = linearize_flat(lambda x: [fnp.max(x, axis=1)], [x])
    assert [e.prim.name for e in lin.ir.eqns] == ["select_n", "reduce_sum"]
    # a tie weighs the tangent by 1/2 (a product), tied maxima are divided by their count
    _, lin = linearize_flat(lambda x: [fnp.maximum(x, 2.0)], [x])
    assert [e.prim.name for e in lin.ir.eqns] == ["mul", "select_n"]
    _, lin = linearize_flat(lambda x: [fnp.max(x, axis=0)], [np.array([[1.0, 2.0], [1.0, 0.0]])])
    assert [e.prim.name for e in lin.ir.eqns] == ["select_n", "reduce_sum", "div"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf_cotangent: 1 / sqrt(0)
@pytest.mark.parametrize("name", sorted(SPECIALIZED))
def test_specialized_rules_under_outer_transforms_match_general_path(name, monkeypatch):
    fun = SPECIALIZED[name]
    x = np.nan_to_num(_TIES) + np.linspace(0.0, 0.3, 4)
    df = fg.grad(fun)
    direct = [fg.vmap(df)(np.stack([x, -x])), fg.jit(df)(x), fg.jacfwd(df)(x),
              fg.grad(lambda x: fnp.sum(df(x) ** 2))(x)]
    monkeypatch.setattr(linearize.LinearizeTrace, "direct_rules", _unspecialized_rules())
    general = [fg.vmap(df)(np.stack([x, -x])), fg.jit(df)(x), fg.jacfwd(df)(x),
               fg.grad(lambda x: fnp.sum(df(x) ** 2))(x)]
    for d, g in zip(direct, general):
        np.testing.assert_array_equal(d, g)
