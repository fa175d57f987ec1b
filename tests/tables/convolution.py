"""Table rows: lax.conv_general_dilated and lax.reduce_window (sum, max, min).

fungrad's default conv layout is NHWC / HWIO (JAX's is NCHW / OIHW), so every JAX reference
names its dimension numbers explicitly. Shapes stay small: each row runs check_grads to
second order in both modes.
"""

import numpy as np

from fungrad import lax as flax
from tests.tables.spec import A, Case

NHWC = ("NHWC", "HWIO", "NHWC")
NCHW = ("NCHW", "OIHW", "NCHW")
NWC = ("NWC", "WIO", "NWC")


def _conv_case(name, lhs, rhs, dnums=NHWC, ours_default=True, **kw):
    """A conv row; ``ours_default`` calls fungrad without dimension_numbers (NHWC default)."""
    ours = {} if ours_default else {"dimension_numbers": dnums}
    return Case(f"lax.conv_general_dilated_{name}",
                lambda x, w: flax.conv_general_dilated(x, w, **kw, **ours), [lhs, rhs],
                jax=lambda jnp, lax: lambda x, w: lax.conv_general_dilated(
                    x, w, dimension_numbers=dnums, **kw))


def _window_case(name, computation, x, window, strides, padding, jax_ok=True, **kw):
    """A reduce_window row with the computation's identity as the initial value."""
    init = {"sum": 0.0, "max": -np.inf, "min": np.inf}[computation]
    ours = {"sum": flax.add, "max": flax.max, "min": flax.min}[computation]

    def ref(jnp, lax):
        comp = {"sum": lax.add, "max": lax.max, "min": lax.min}[computation]
        return lambda v: lax.reduce_window(v, init, comp, window, strides, padding, **kw)

    return Case(f"lax.reduce_window_{computation}_{name}",
                lambda v: flax.reduce_window(v, init, ours, window, strides, padding, **kw),
                [x], jax=ref if jax_ok else None)


X = A(2, 5, 5, 3)
W = A(3, 3, 3, 4)

CONV_CASES = [
    _conv_case("valid", X, W, window_strides=(1, 1), padding="VALID"),
    _conv_case("same", X, W, window_strides=(1, 1), padding="SAME"),
    _conv_case("explicit_padding", X, A(2, 3, 3, 2), window_strides=(1, 1),
               padding=((1, 0), (2, 1))),
    _conv_case("strides", A(2, 6, 5, 2), A(3, 2, 2, 3), window_strides=(2, 3),
               padding=((1, 1), (0, 1))),
    _conv_case("same_strided", X, W, window_strides=(2, 2), padding="SAME"),
    _conv_case("rhs_dilation", X, A(2, 2, 3, 2), window_strides=(1, 1), padding="SAME",
               rhs_dilation=(2, 2)),
    _conv_case("lhs_dilation", A(2, 3, 4, 2), A(3, 2, 2, 3), window_strides=(1, 1),
               padding=((2, 2), (1, 1)), lhs_dilation=(2, 2)),
    _conv_case("lhs_dilation_strides", A(2, 4, 3, 2), A(2, 3, 2, 2), window_strides=(2, 1),
               padding=((1, 0), (2, 1)), lhs_dilation=(2, 3)),
    _conv_case("negative_padding", A(2, 6, 5, 2), A(2, 2, 2, 2), window_strides=(1, 2),
               padding=((-1, 1), (0, -1))),
    _conv_case("groups", A(2, 5, 5, 4), A(3, 3, 2, 6), window_strides=(1, 1),
               padding="SAME", feature_group_count=2),
    _conv_case("depthwise", X, A(3, 3, 1, 6), window_strides=(2, 2), padding="VALID",
               feature_group_count=3),
    _conv_case("everything", A(2, 5, 4, 4), A(2, 3, 2, 4), window_strides=(2, 1),
               padding=((1, 2), (2, 0)), lhs_dilation=(1, 2), rhs_dilation=(2, 1),
               feature_group_count=2),
    _conv_case("nchw", A(2, 3, 5, 5), A(4, 3, 3, 3), NCHW, ours_default=False,
               window_strides=(1, 2), padding="SAME"),
    _conv_case("nchw_groups", A(2, 4, 5, 4), A(4, 2, 2, 3), NCHW, ours_default=False,
               window_strides=(2, 1), padding=((1, 0), (0, 1)), feature_group_count=2),
    _conv_case("mixed_layouts", A(2, 3, 5, 5), A(3, 2, 3, 4), ("NCHW", "HWIO", "NHWC"),
               ours_default=False, window_strides=(1, 1), padding="VALID"),
    _conv_case("nhwc_explicit", X, W, NHWC, ours_default=False, window_strides=(1, 1),
               padding="VALID"),
    _conv_case("1d", A(2, 7, 3), A(3, 3, 2), NWC, window_strides=(2,), padding="SAME"),
    _conv_case("1d_dilated", A(2, 8, 2), A(3, 2, 3), NWC, window_strides=(1,),
               padding=((2, 1),), rhs_dilation=(2,)),
    _conv_case("3d", A(1, 4, 3, 4, 2), A(2, 2, 3, 2, 3), ("NDHWC", "DHWIO", "NDHWC"),
               window_strides=(1, 2, 1), padding="SAME"),
]

XW = A(2, 6, 5, 2)

# JAX 0.10 cannot transpose max/min windows with window dilation or negative padding:
# those rows (jax_ok=False) rely on check_grads and vmap only.
WINDOW_CASES = [
    *[_window_case(f"{computation}_2x2", computation, XW, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
      for computation in ("sum", "max", "min")],
    *[_window_case(f"{computation}_same", computation, XW, (1, 3, 3, 1), (1, 2, 2, 1), "SAME")
      for computation in ("sum", "max", "min")],
    *[_window_case("overlapping", computation, XW, (1, 3, 2, 1), (1, 1, 2, 1),
                   ((0, 0), (1, 1), (0, 1), (0, 0))) for computation in ("sum", "max", "min")],
    _window_case("base_dilation", "sum", A(4, 5), (2, 3), (1, 2), ((1, 0), (0, 2)),
                 base_dilation=(2, 1)),
    _window_case("base_dilation", "max", A(4, 5), (2, 2), (1, 1), "VALID",
                 base_dilation=(2, 2)),
    _window_case("window_dilation", "sum", A(3, 7), (2, 3), (1, 2), "SAME",
                 window_dilation=(1, 2)),
    _window_case("window_dilation", "max", A(3, 7), (2, 3), (1, 2), "SAME",
                 window_dilation=(1, 2), jax_ok=False),
    _window_case("window_dilation", "min", A(4, 6), (2, 2), (2, 1), ((1, 0), (0, 1)),
                 window_dilation=(2, 3), jax_ok=False),
    _window_case("negative_padding", "sum", A(7,), (3,), (2,), ((1, -1),)),
    _window_case("negative_padding", "max", A(7,), (3,), (2,), ((1, -1),), jax_ok=False),
    _window_case("1d", "min", A(9,), (3,), (2,), "SAME"),
    # A non-identity init_value joins each window once (JAX cannot differentiate these, so
    # the JAX rows compare values and the _grad rows check derivatives).
    *[Case(f"lax.reduce_window_{name}_init{suffix}", lambda v, comp=comp, init=init: (
        flax.reduce_window(v, init, getattr(flax, comp), (2, 2), (1, 2), "SAME")), [A(3, 5)],
        jax=jax, diff=jax is None)
      for name, comp, init in [("sum", "add", 1.5), ("max", "max", 0.0), ("min", "min", 0.3)]
      for suffix, jax in [("", lambda jnp, lax, comp=comp, init=init: lambda v: (
          lax.reduce_window(v, init, getattr(lax, comp), (2, 2), (1, 2), "SAME"))),
          ("_grad", None)]],
]

CASES = CONV_CASES + WINDOW_CASES
