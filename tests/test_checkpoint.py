"""checkpoint (remat): same derivatives as unchecked code under every policy, and less saved."""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.test_util import check_grads

P = fg.checkpoint_policies
POLICIES = [None, P.nothing_saveable, P.everything_saveable, P.dots_saveable,
            P.save_only_these_names("pre")]
RNG = np.random.default_rng(0)
WS = [RNG.normal(size=(4, 4)) * 0.6 for _ in range(3)]
X = RNG.normal(size=(2, 4))


def layer(w, x):
    return fnp.tanh(fg.checkpoint_name(x @ w, "pre")) * fnp.sin(x)


def net(ws, x, policy=None, checkpointed=True):
    for w in ws:
        x = (fg.checkpoint(layer, policy=policy) if checkpointed else layer)(w, x)
    return fnp.sum(x ** 2)


def _close(a, b):
    for x, y in zip(fg.tree_util.tree_leaves(a), fg.tree_util.tree_leaves(b)):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
def test_policy_gives_same_gradients(policy):
    want = fg.grad(net)(WS, X, None, False)
    _close(fg.grad(net)(WS, X, policy), want)
    _close(fg.jit(fg.grad(net), static_argnums=2)(WS, X, policy), want)
    _close(fg.grad(fg.jit(net, static_argnums=2))(WS, X, policy), want)


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
def test_policy_check_grads_order_2(policy):
    check_grads(lambda w, x: net([w, w * 0.5], x, policy), (WS[0], X), order=2)


def test_checkpoint_under_vmap_and_hessian():
    xs = np.stack([X, 2 * X, -X])
    want = np.stack([fg.grad(lambda x: net(WS, x, None, False))(x) for x in xs])
    _close(fg.vmap(fg.grad(lambda x: net(WS, x)))(xs), want)
    _close(fg.hessian(lambda x: net(WS, x))(X), fg.hessian(lambda x: net(WS, x, None, False))(X))


def test_checkpoint_nested_in_scan():
    def scanned(w, x):
        def body(c, _):
            return fg.checkpoint(lambda c: fnp.tanh(c @ w))(c), None
        return fnp.sum(lax.scan(body, x, None, length=4)[0])

    def unrolled(w, x):
        for _ in range(4):
            x = fnp.tanh(x @ w)
        return fnp.sum(x)

    _close(fg.grad(scanned, argnums=(0, 1))(WS[0], X), fg.grad(unrolled, argnums=(0, 1))(WS[0], X))


def _non_argument_bytes(policy):
    rows = fg.saved_residuals(lambda ws, x: net(ws, x, policy), WS, X)
    return sum(r.nbytes for r in rows if not r.is_argument), rows


def test_saved_residuals_reflect_policy():
    none, rows = _non_argument_bytes(None)
    everything, _ = _non_argument_bytes(P.everything_saveable)
    unchecked = sum(r.nbytes for r in fg.saved_residuals(lambda ws, x: net(ws, x, None, False),
                                                         WS, X) if not r.is_argument)
    assert none < everything <= unchecked
    # nothing_saveable keeps only each layer's input (two layer outputs: 2 x 64 bytes) and
    # the final square's residual
    assert none == 3 * X.nbytes
    sources = [r.source for r in rows]
    assert any(s.startswith("argument args[0][0]") for s in sources)
    assert all(("test_checkpoint.py" in s) or s.startswith("argument") for s in sources)


def test_saved_residuals_names_policy_saves_tagged_values():
    named, rows = _non_argument_bytes(P.save_only_these_names("pre"))
    none, _ = _non_argument_bytes(None)
    assert named == none + 3 * X.nbytes  # one tagged (2, 4) value per layer
    assert sum("checkpoint_name" in r.source for r in rows) == 3


def test_checkpoint_static_argnums_and_bad_policy():
    f = fg.checkpoint(lambda x, n: x ** n, static_argnums=1)
    assert float(fg.grad(f)(2.0, 3)) == 12.0
    with pytest.raises(TypeError, match="checkpoint_policies"):
        fg.checkpoint(layer, policy="dots")  # neither a Policy nor callable


def test_jax_style_callable_policy_and_static_argnames():
    def no_sin(prim, *avals, **params):  # JAX's policy signature
        return prim.name != "sin"

    f = fg.checkpoint(lambda x, n: fnp.sin(x) ** n, policy=no_sin, static_argnames="n")
    assert float(fg.grad(f)(0.5, n=3)) == pytest.approx(3 * np.sin(0.5) ** 2 * np.cos(0.5))
    layer_dots = fg.checkpoint(layer, policy=P.dots_with_no_batch_dims_saveable)
    _close(fg.grad(lambda w, x: fnp.sum(layer_dots(w, x)))(WS[0], X),
           fg.grad(lambda w, x: fnp.sum(layer(w, x)))(WS[0], X))
    with pytest.raises(ValueError, match="static_argnames"):
        fg.checkpoint(layer, static_argnames="nope")
