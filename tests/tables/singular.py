"""Table rows at kinks and singular points: ties, zeros, infinities, the origin.

Central differences mean nothing at a kink (|x| at 0) or a singularity (sqrt at 0), so most
rows here are ``order=0``: their values, JVPs and VJPs are compared with JAX's (the same
convention, inf and nan included), and their derivatives through vmap and jit with the
eager ones. Rows whose function is smooth at the special point (hypot at a tie, ``x ** 0``)
also run check_grads. Each convention is stated in the docstring of the function.
"""

import numpy as np

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax as flax
from tests.tables.spec import FP_WARNINGS, A, Case, Const, Point

INF, NAN = np.inf, np.nan


def _jax_nn(name):
    def ref(jnp, lax):
        import jax

        return getattr(jax.nn, name)

    return ref


def _singular(name, fun, args, jax, order=0, warns=False, **kw):
    """A row at a special point; ``warns``: its values or derivatives are inf / nan made by
    elementwise primitives (log(0), 1 / 0, inf * 0), which warn as NumPy's do."""
    tags = (FP_WARNINGS,) if warns else ()
    return Case(name, fun, args, jax=jax, order=order, tags=tags, **kw)


CASES = [
    # kinks: |x|' = +1 at 0, sign' = 0, relu' = 0 at 0; ties split 0.5 / 0.5
    _singular("lax.abs_at_0", flax.abs, [Point([0.0, -0.0, 1.5, -1.5])],
              lambda jnp, lax: lax.abs),
    _singular("fnp.sign_at_0", fnp.sign, [Point([0.0, -0.0, 2.0, -2.0])],
              lambda jnp, lax: jnp.sign),
    _singular("nn.relu_at_0", fg.nn.relu, [Point([0.0, -1.0, 1.0])], _jax_nn("relu")),
    _singular("lax.max_ties", flax.max, [Point([1.0, 2.0, -3.0, 0.0]),
                                         Point([1.0, 0.5, -3.0, 0.0])],
              lambda jnp, lax: lax.max),
    _singular("lax.min_ties", flax.min, [Point([1.0, 2.0, -3.0, 0.0]),
                                         Point([1.0, 0.5, -3.0, 0.0])],
              lambda jnp, lax: lax.min),
    _singular("fnp.maximum_ties_scalar", lambda x: fnp.maximum(x, 0.0),
              [Point([0.0, 1.0, -1.0])], lambda jnp, lax: lambda x: jnp.maximum(x, 0.0)),
    _singular("fnp.minimum_ties_bcast", fnp.minimum,
              [Point([[0.0, 1.0], [2.0, -1.0]]), Point([0.0, -1.0])],
              lambda jnp, lax: jnp.minimum),
    _singular("fnp.clip_at_bounds", lambda x: fnp.clip(x, -0.5, 0.7),
              [Point([-0.5, 0.7, 0.1, 2.0, -3.0])],
              lambda jnp, lax: lambda x: jnp.clip(x, -0.5, 0.7)),
    # singularities: inf derivatives at 0 (nan where the tangent is 0 there)
    _singular("fnp.sqrt_at_0", fnp.sqrt, [Point([0.0, 0.25, 4.0])],
              lambda jnp, lax: jnp.sqrt, warns=True),
    _singular("fnp.cbrt_at_0", fnp.cbrt, [Point([0.0, -8.0, 8.0])],
              lambda jnp, lax: jnp.cbrt, warns=True),
    _singular("fnp.log_at_0", fnp.log, [Point([0.0, 1.0, 2.0])], lambda jnp, lax: jnp.log,
              warns=True),
    _singular("fnp.arctan2_origin", fnp.arctan2, [Point([0.0, 1.0, 0.0]),
                                                  Point([0.0, 0.0, -1.0])],
              lambda jnp, lax: jnp.arctan2, warns=True),
    _singular("fnp.hypot_origin", fnp.hypot, [Point([0.0, 0.0, 3.0]), Point([0.0, 2.0, 0.0])],
              lambda jnp, lax: jnp.hypot),
    # 0 ** y: derivative y * 0 ** (y - 1) in x (1 at y = 1, inf at y = 0.5), 0 in y
    _singular("lax.pow_base_at_0", flax.pow, [Point([0.0, 0.0, 0.0, 0.0]),
                                              Point([2.0, 1.0, 0.5, 3.0])],
              lambda jnp, lax: lax.pow, warns=True),
    # x ** 0 is the constant 1: zero derivatives, 0 ** 0 included. JAX agrees for integer
    # exponents (the reference) but gives nan at 0 for a float 0.0 (see fnp.power).
    Case("fnp.power_zero_exponent", lambda x: fnp.power(x, 0.0), [Point([0.0, 1.0, -2.0])],
         jax=lambda jnp, lax: lambda x: jnp.power(x, 0)),
    Case("lax.integer_pow0_at_0", lambda x: flax.integer_pow(x, 0), [Point([0.0, 1.5])],
         jax=lambda jnp, lax: lambda x: lax.integer_pow(x, 0)),
    # hypot is smooth at ties |x1| == |x2|: second derivatives checked by differences too
    Case("fnp.hypot_ties", fnp.hypot, [Point([2.0, -2.0, 3.0, 1e-3]),
                                       Point([2.0, 2.0, -3.0, 1e-3])],
         jax=lambda jnp, lax: jnp.hypot),
    # where with inf and nan on the unselected side: they get zero cotangents and tangents
    Case("fnp.where_inf_unselected", fnp.where,
         [Const(np.array([True, True, False, True])), A(4), Point([INF, NAN, 1.0, -INF])],
         jax=lambda jnp, lax: jnp.where),
    # inf cotangents reach selections: the unselected side gets built zeros, not inf * 0
    _singular("fnp.where_inf_cotangent", lambda c, x, w: fnp.where(c, x, 1.0) * w,
              [Const(np.array([True, True, False, False])), A(4), Point([INF, 2.0, INF, 1.0])],
              lambda jnp, lax: lambda c, x, w: jnp.where(c, x, 1.0) * w, warns=True),
    _singular("nn.relu_inf_cotangent", lambda x, w: fg.nn.relu(x) * w,
              [Point([-1.0, 0.0, 1.0]), Point([INF, INF, -INF])],
              lambda jnp, lax: lambda x, w: __import__("jax").nn.relu(x) * w, warns=True),
    _singular("lax.abs_inf_cotangent", lambda x, w: flax.abs(x) * w,
              [Point([-1.0, 0.0, 2.0]), Point([INF, -INF, INF])],
              lambda jnp, lax: lambda x, w: lax.abs(x) * w, warns=True),
    _singular("fnp.remainder_inf_cotangent", lambda x, w: fnp.remainder(x, 0.7) * w,
              [Point([-1.0, 0.5, 2.0]), Point([INF, INF, -INF])],
              lambda jnp, lax: lambda x, w: jnp.remainder(x, 0.7) * w),
    # std where the variance is 0: nan derivatives at a constant slice, as JAX; 0 where each
    # slice is one element (std is identically 0 there; JAX gives nan)
    _singular("fnp.std_constant", lambda x: fnp.std(x, axis=1),
              [Point([[1.5, 1.5, 1.5], [1.0, 2.0, 3.0]])],
              lambda jnp, lax: lambda x: jnp.std(x, axis=1), warns=True),
    _singular("fnp.std_one_element", lambda x: fnp.std(x, axis=1), [Point([[1.0], [-2.0]])],
              lambda jnp, lax: lambda x: lax.stop_gradient(jnp.std(x, axis=1))),
    # norms at zero: nan for the 2-norms, JAX's tie splits for the max/min-based ones
    *[_singular(f"fnp.linalg.norm_vec_{o}_at_0", lambda x, o=o: fnp.linalg.norm(x, o),
                [Point(np.zeros(3))], lambda jnp, lax, o=o: lambda x: jnp.linalg.norm(x, o),
                warns=o in (None, 3))
      for o in [None, 1, 3, INF, -INF]],
    *[_singular(f"fnp.linalg.norm_mat_{o}_at_0", lambda x, o=o: fnp.linalg.norm(x, o),
                [Point(np.zeros((2, 3)))],
                lambda jnp, lax, o=o: lambda x: jnp.linalg.norm(x, o),
                warns=o in ("fro", "nuc", 2, -2))
      for o in ["fro", "nuc", 1, -1, 2, -2, INF, -INF]],
]
