"""Table rows: the fungrad.nn activations added for jax.nn parity (relu6 ... sparse_plus).

Piecewise rows draw points on both sides of their kinks (central differences at random
points almost surely stay on one side); the kinks themselves are ``order=0`` rows whose
derivatives are compared with JAX's conventions.
"""

import numpy as np

from fungrad import nn
from tests.tables.spec import A, Case, Const, Point, Pos

S = (3, 4)
SIGNED = np.array([[1.0, -0.5, 2.0, 1.0], [-1.0, -2.0, 0.5, 0.0], [3.0, -1.0, -1.0, 0.5]])
MASK = np.array([[True, False, True, True], [True, True, False, True], [False, True, True, True]])
INFS = np.array([[1.0, np.inf, -np.inf], [1.0, 2.0, -np.inf], [-np.inf, -np.inf, -np.inf],
                 [np.inf, np.inf, 0.5]])
INF_MASK = np.array([[True, False, True], [True, True, False], [False, False, False],
                     [True, False, True]])


def _jax_nn(name, **kw):
    def ref(jnp, lax):
        import jax

        fn = getattr(jax.nn, name)
        return (lambda *a: fn(*a, **kw)) if kw else fn

    return ref


CASES = [
    Case("nn.relu6", nn.relu6, [A(*S, low=-2, high=8)], jax=_jax_nn("relu6")),
    Case("nn.relu6_at_kinks", nn.relu6, [Point([0.0, 6.0, -1.0, 7.0, 3.0])], jax=_jax_nn("relu6"),
         order=0),
    Case("nn.hard_tanh", nn.hard_tanh, [A(*S, low=-3, high=3)], jax=_jax_nn("hard_tanh")),
    Case("nn.hard_sigmoid", nn.hard_sigmoid, [A(*S, low=-5, high=5)],
         jax=_jax_nn("hard_sigmoid")),
    Case("nn.hard_silu", nn.hard_silu, [A(*S, low=-5, high=5)], jax=_jax_nn("hard_silu")),
    Case("nn.selu", nn.selu, [A(*S, low=-3, high=3)], jax=_jax_nn("selu")),
    Case("nn.celu", nn.celu, [A(*S, low=-3, high=3)], jax=_jax_nn("celu")),
    Case("nn.celu_alpha", lambda x: nn.celu(x, alpha=0.5), [A(*S, low=-3, high=3)],
         jax=_jax_nn("celu", alpha=0.5)),
    Case("nn.glu", nn.glu, [A(*S)], jax=_jax_nn("glu")),
    Case("nn.glu_axis0", lambda x: nn.glu(x, axis=0), [A(4, 3)], jax=_jax_nn("glu", axis=0)),
    Case("nn.mish", nn.mish, [A(*S, low=-5, high=5)], jax=_jax_nn("mish")),
    Case("nn.identity", nn.identity, [A(*S)], jax=_jax_nn("identity")),
    Case("nn.soft_sign", nn.soft_sign, [A(*S, low=-3, high=3)], jax=_jax_nn("soft_sign")),
    Case("nn.squareplus", nn.squareplus, [A(*S, low=-5, high=5)], jax=_jax_nn("squareplus")),
    Case("nn.squareplus_b", lambda x: nn.squareplus(x, b=0.5), [A(*S, low=-5, high=5)],
         jax=_jax_nn("squareplus", b=0.5)),
    Case("nn.log1mexp", nn.log1mexp, [Pos(*S, low=0.05, high=3)], jax=_jax_nn("log1mexp")),
    Case("nn.sparse_plus", nn.sparse_plus, [A(*S, low=-2, high=2)], jax=_jax_nn("sparse_plus")),
    Case("nn.sparse_sigmoid", nn.sparse_sigmoid, [A(*S, low=-2, high=2)],
         jax=_jax_nn("sparse_sigmoid")),
    Case("nn.sparse_sigmoid_at_kinks", nn.sparse_sigmoid, [Point([-1.0, 1.0, -2.0, 0.0, 2.0])],
         jax=_jax_nn("sparse_sigmoid"), order=0),
    Case("nn.logmeanexp", lambda x: nn.logmeanexp(x, axis=1), [A(*S)],
         jax=_jax_nn("logmeanexp", axis=1)),
    Case("nn.logmeanexp_where", lambda x: nn.logmeanexp(x, axis=0, where=MASK, keepdims=True),
         [A(*S)], jax=_jax_nn("logmeanexp", axis=0, where=MASK, keepdims=True)),
    Case("nn.standardize", nn.standardize, [A(*S)], jax=_jax_nn("standardize")),
    Case("nn.standardize_stable_axis0", lambda x: nn.standardize(x, axis=0, algorithm="stable"),
         [A(*S)], jax=_jax_nn("standardize", axis=0, algorithm="stable")),
    Case("nn.standardize_where", lambda x, w: nn.standardize(x, where=w), [A(*S), Const(MASK)],
         jax=lambda jnp, lax: lambda x, w: __import__("jax").nn.standardize(x, where=w)),
    Case("nn.standardize_given", lambda x, m, v: nn.standardize(x, mean=m, variance=v),
         [A(*S), A(3, 1), Pos(3, 1)],
         jax=lambda jnp, lax: lambda x, m, v: __import__("jax").nn.standardize(
             x, mean=m, variance=v)),
    # infinite logits: a slice with +inf (or all -inf) is all nan, as JAX's x - max makes it
    Case("nn.softmax_infinities", nn.softmax, [Point(INFS)], jax=_jax_nn("softmax"), order=0),
    Case("nn.log_softmax_infinities", nn.log_softmax, [Point(INFS)],
         jax=_jax_nn("log_softmax"), order=0),
    Case("nn.softmax_where_infinities", lambda x: nn.softmax(x, where=INF_MASK), [Point(INFS)],
         jax=_jax_nn("softmax", where=INF_MASK), order=0),
    # where= / b= / return_sign= (masked-out entries are compared where finite only)
    Case("nn.softmax_where", lambda x: nn.softmax(x, where=MASK), [A(*S)],
         jax=_jax_nn("softmax", where=MASK)),
    Case("nn.log_softmax_where", lambda x: nn.log_softmax(x, axis=1, where=MASK)[MASK],
         [A(*S)], jax=lambda jnp, lax: lambda x: __import__("jax").nn.log_softmax(
             x, axis=1, where=MASK)[MASK]),
    Case("nn.logsumexp_where", lambda x: nn.logsumexp(x, axis=1, where=MASK), [A(*S)],
         jax=_jax_nn("logsumexp", axis=1, where=MASK)),
    Case("nn.logsumexp_b", lambda x, b: nn.logsumexp(x, axis=0, b=b), [A(*S), Pos(*S)],
         jax=lambda jnp, lax: lambda x, b: __import__("jax").nn.logsumexp(x, axis=0, b=b)),
    Case("nn.logsumexp_b_signed",
         lambda x: nn.logsumexp(x, axis=1, b=SIGNED, keepdims=True, return_sign=True)[0],
         [A(*S)], jax=lambda jnp, lax: lambda x: __import__("jax").nn.logsumexp(
             x, axis=1, b=SIGNED, keepdims=True, return_sign=True)[0]),
]

# A float32 a with a float64 b is float64, as in JAX (b was cast to a's float32); a Python
# scalar b is weak (float32 stays).
CASES += [
    Case("nn.logsumexp_f32_b_f64", lambda x, b: nn.logsumexp(x, axis=1, b=b, return_sign=True),
         [A(*S, dtype="float32"), A(*S)], order=0, rtol=1e-6,
         jax=lambda jnp, lax: lambda x, b: __import__("jax").nn.logsumexp(
             x, axis=1, b=b, return_sign=True)),
    Case("nn.logsumexp_f32_b_pyfloat", lambda x: nn.logsumexp(x, axis=0, b=2.0),
         [A(*S, dtype="float32")], order=0, rtol=1e-6,
         jax=lambda jnp, lax: lambda x: __import__("jax").nn.logsumexp(x, axis=0, b=2.0)),
]
