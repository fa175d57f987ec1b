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
from fungrad.interpreters.linearize import linearize_flat

FUNCTIONS = {
    "chain": lambda x: fnp.sum(fnp.tanh(fnp.sin(x) * 1.01) + 0.5),
    "product_of_tracers": lambda x: fnp.sum(x * fnp.exp(x) * x),
    "scalar_broadcast": lambda x: fnp.sum(x[0] * fnp.cosh(x) + fnp.sinh(x[1]) * x),
    "all_scaled": lambda x: fnp.sum(fnp.expm1(x) * fnp.exp2(x) + fnp.tan(x) * fg.lax.logistic(x)),
    "float32": lambda x: fnp.sum(fnp.sin(x.astype(np.float32)) * np.float32(3.0)),
    "sums": lambda x: fnp.sum((x + 0.5) - 1.0 + (2.0 + x) - (3.0 - x) + (x - x) + x[1]),
    "rank0_sums": lambda x: fnp.sum((fnp.sum(x) + np.ones(3)) - (x[0] - np.ones(3)) + x[2]),
}


def _linear_ir_and_grad(fun, x):
    _, lin = linearize_flat(lambda x: [fun(x)], [x])
    return str(lin.ir), fg.grad(fun)(x)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_direct_linearization_matches_general_path(name, monkeypatch):
    x = np.linspace(0.2, 0.9, 4)
    fun = FUNCTIONS[name]
    direct_ir, direct_grad = _linear_ir_and_grad(fun, x)
    monkeypatch.setattr(linearize.LinearizeTrace, "direct_rules", {})
    general_ir, general_grad = _linear_ir_and_grad(fun, x)
    assert direct_ir == general_ir
    np.testing.assert_array_equal(direct_grad, general_grad)
    assert direct_grad.dtype == general_grad.dtype


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
