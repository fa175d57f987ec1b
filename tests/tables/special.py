"""Table rows: special functions (lax.special) and the stable logistic.

Ranges cover the tails (erfc to 25, erf_inv near 1), lgamma/digamma near 0, at large x and
at negative non-integers (each negative row stays 0.1 away from the poles, so the central
differences of check_grads never straddle one). Rows whose values underflow toward 0 set
a tiny ``atol`` so that the comparisons stay relative.
"""

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax as flax
from tests.tables.spec import A, Case, Pos

S = (3, 4)
ORDERS = np.broadcast_to(np.array([0.0, 1.0, 2.0, 3.0]), S).copy()  # polygamma's m, per column
SHAPES = np.broadcast_to(np.array([0.3, 1.0, 2.5, 7.0]), S).copy()  # igamma's a, per column


def _jax_polygamma(n):
    return lambda jnp, lax: lambda x: lax.polygamma(jnp.full_like(x, n), x)


CASES = [
    Case("lax.erf", flax.erf, [A(*S, low=-3, high=3)], jax=lambda jnp, lax: lax.erf),
    Case("lax.erf_small", flax.erf, [A(*S, low=-1e-3, high=1e-3)], jax=lambda jnp, lax: lax.erf,
         atol=1e-300),
    Case("lax.erfc", flax.erfc, [A(*S, low=-3, high=3)], jax=lambda jnp, lax: lax.erfc),
    Case("lax.erfc_tail", flax.erfc, [Pos(*S, low=5, high=25)], jax=lambda jnp, lax: lax.erfc,
         atol=1e-300),
    # to 15 only: the second derivative of log(erfc(x)) divides by erfc(x)^2, which
    # underflows past 18
    Case("lax.log_erfc_tail", lambda x: flax.log(flax.erfc(x)), [Pos(*S, low=5, high=15)],
         jax=lambda jnp, lax: lambda x: lax.log(lax.erfc(x))),
    Case("lax.erf_inv", flax.erf_inv, [A(*S, low=-0.95, high=0.95)],
         jax=lambda jnp, lax: lax.erf_inv),
    Case("lax.erf_inv_tail", flax.erf_inv, [Pos(*S, low=0.99, high=0.999)],
         jax=lambda jnp, lax: lax.erf_inv),
    Case("lax.lgamma", flax.lgamma, [Pos(*S, low=0.1, high=5)], jax=lambda jnp, lax: lax.lgamma),
    Case("lax.lgamma_near_0", flax.lgamma, [Pos(*S, low=0.01, high=0.1)],
         jax=lambda jnp, lax: lax.lgamma),
    Case("lax.lgamma_large", flax.lgamma, [Pos(*S, low=20, high=1e4)],
         jax=lambda jnp, lax: lax.lgamma),
    Case("lax.lgamma_neg", flax.lgamma, [A(*S, low=-0.9, high=-0.1)],
         jax=lambda jnp, lax: lax.lgamma),
    Case("lax.lgamma_neg3", flax.lgamma, [A(*S, low=-2.9, high=-2.1)],
         jax=lambda jnp, lax: lax.lgamma),
    Case("lax.digamma", flax.digamma, [Pos(*S, low=0.1, high=5)],
         jax=lambda jnp, lax: lax.digamma),
    Case("lax.digamma_large", flax.digamma, [Pos(*S, low=20, high=1e4)],
         jax=lambda jnp, lax: lax.digamma),
    Case("lax.digamma_neg", flax.digamma, [A(*S, low=-0.9, high=-0.1)],
         jax=lambda jnp, lax: lax.digamma),
    Case("lax.digamma_neg4", flax.digamma, [A(*S, low=-3.9, high=-3.1)],
         jax=lambda jnp, lax: lax.digamma),
    Case("lax.polygamma1", lambda x: flax.polygamma(1.0, x), [Pos(*S, low=0.2, high=5)],
         jax=_jax_polygamma(1.0)),
    Case("lax.polygamma2_neg", lambda x: flax.polygamma(2.0, x), [A(*S, low=-1.9, high=-1.1)],
         jax=_jax_polygamma(2.0)),
    Case("lax.polygamma_orders", lambda x: flax.polygamma(ORDERS, x), [Pos(*S, low=0.5, high=4)],
         jax=lambda jnp, lax: lambda x: lax.polygamma(ORDERS, x)),
    # m as an argument too (so vmap batches it): round() makes it whole and has a zero
    # derivative, so only x is differentiated
    Case("lax.polygamma_m_arg", lambda m, x: flax.polygamma(fnp.round(m), x),
         [A(*S, low=0, high=3), Pos(*S, low=0.5, high=4)],
         jax=lambda jnp, lax: lambda m, x: lax.polygamma(jnp.round(m), x)),
    # igamma/igammac: order 2 in x (a closed over), order 1 in both (the second derivative
    # in a is not implemented, as in JAX); both sides of x = a + 1, where the method changes
    *[Case(f"lax.{name}_x", lambda x, f=getattr(flax, name): f(SHAPES, x),
           [Pos(*S, low=0.2, high=12)],
           jax=lambda jnp, lax, n=name: lambda x: getattr(lax, n)(SHAPES, x))
      for name in ("igamma", "igammac")],
    *[Case(f"lax.{name}_a_x", getattr(flax, name),
           [Pos(*S, low=0.3, high=6), Pos(*S, low=0.2, high=9)],
           jax=lambda jnp, lax, n=name: getattr(lax, n), order=1)
      for name in ("igamma", "igammac")],
    Case("lax.igammac_tail", lambda x: flax.igammac(SHAPES, x), [Pos(*S, low=40, high=80)],
         jax=lambda jnp, lax: lambda x: lax.igammac(SHAPES, x), atol=1e-300),
    # JAX cannot differentiate igamma_grad_a: values against JAX, derivatives by check_grads
    Case("lax.igamma_grad_a", lambda x: flax.igamma_grad_a(SHAPES, x), [Pos(*S, low=0.2, high=9)]),
    Case("lax.igamma_grad_a_values", flax.igamma_grad_a,
         [Pos(*S, low=0.2, high=9), Pos(*S, low=0.2, high=9)],
         jax=lambda jnp, lax: lax.igamma_grad_a, diff=False),
    # float32: evaluated in float64 and rounded, so within an ulp or two of JAX's float32.
    # order=0: central differences in float32 cannot reach these tolerances (the float64
    # rows above check the derivatives); values, JVPs and VJPs are still compared with JAX.
    *[Case(f"lax.{name}_f32", getattr(flax, name), [arg],
           jax=lambda jnp, lax, n=name: getattr(lax, n), rtol=1e-5, atol=1e-6, order=0)
      for name, arg in [("erf", A(*S, low=-3, high=3, dtype="float32")),
                        ("erfc", A(*S, low=-2, high=2, dtype="float32")),
                        ("erf_inv", A(*S, low=-0.9, high=0.9, dtype="float32")),
                        ("lgamma", Pos(*S, low=0.3, high=6, dtype="float32")),
                        ("digamma", Pos(*S, low=0.3, high=6, dtype="float32"))]],
    Case("lax.logistic_wide", flax.logistic, [A(*S, low=-800, high=800)],
         jax=lambda jnp, lax: lax.logistic, atol=1e-300),
    Case("lax.logistic_f32", flax.logistic, [A(*S, low=-120, high=120, dtype="float32")],
         jax=lambda jnp, lax: lax.logistic, rtol=1e-6, atol=1e-30, order=0),
]
