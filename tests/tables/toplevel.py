"""Table rows for the top-level API functions that compute: ``flatten_util.ravel_pytree``
and its ``unravel``, ``linear_transpose``, ``closure_convert`` and ``pure_callback``
(values only: it is not differentiable), each against JAX's. ``custom_gradient`` has no
forward mode, which every table runner uses, so tests/test_toplevel_api.py checks it."""

import numpy as np

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.flatten_util import ravel_pytree
from tests.tables.spec import A, Case

_TEMPLATE = (np.zeros((2, 3)), {"b": np.zeros(4)})
_, _UNRAVEL = ravel_pytree(_TEMPLATE)
_M = np.random.default_rng(5).uniform(-1, 1, (4, 3))


def _jax_ravel(jnp, lax):
    from jax.flatten_util import ravel_pytree as jax_ravel

    return lambda x, y: jax_ravel((x, {"b": y}))[0]


def _unravel_product(v):
    x, rest = _UNRAVEL(v)
    return fnp.sin(x) * rest["b"][:3]


def _jax_unravel(jnp, lax):
    from jax.flatten_util import ravel_pytree as jax_ravel

    unravel = jax_ravel(_TEMPLATE)[1]

    def f(v):
        x, rest = unravel(v)
        return jnp.sin(x) * rest["b"][:3]

    return f


def _transposed(ct):
    f_t = fg.linear_transpose(lambda x: (_M @ x) * 2.0 - x[:1], np.zeros(3))
    return f_t(ct)[0]


def _jax_transposed(jnp, lax):
    import jax

    f_t = jax.linear_transpose(lambda x: (_M @ x) * 2.0 - x[:1], np.zeros(3))
    return lambda ct: f_t(ct)[0]


def _converted(x, w):
    f, consts = fg.closure_convert(lambda y: fnp.sin(y) * w, x)
    return f(x, *consts)


def _jax_converted(jnp, lax):
    import jax

    def g(x, w):
        f, consts = jax.closure_convert(lambda y: jnp.sin(y) * w, x)
        return f(x, *consts)

    return g


def _callback(x):
    out = fg.ShapeDtypeStruct(x.shape, x.dtype)
    return fg.pure_callback(np.sin, out, x, vmap_method="sequential")


def _jax_callback(jnp, lax):
    import jax

    def f(x):
        return jax.pure_callback(np.sin, jax.ShapeDtypeStruct(x.shape, x.dtype), x,
                                 vmap_method="sequential")

    return f


CASES = [
    Case("fg.flatten_util.ravel_pytree", lambda x, y: ravel_pytree((x, {"b": y}))[0],
         [A(2, 3), A(4)], jax=_jax_ravel),
    Case("fg.flatten_util.unravel", _unravel_product, [A(10)], jax=_jax_unravel),
    Case("fg.linear_transpose", _transposed, [A(4)], jax=_jax_transposed),
    Case("fg.closure_convert", _converted, [A(3), A(3)], jax=_jax_converted),
    Case("fg.pure_callback", _callback, [A(3)], jax=_jax_callback, diff=False),
]
