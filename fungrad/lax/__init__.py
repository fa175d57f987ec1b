"""Primitives (lax level): strict operands, static params. One module per family."""

from fungrad.lax.elementwise import *  # noqa: F401,F403
from fungrad.lax.elementwise import (  # noqa: F401
    abs, add, convert_element_type, div, exp, log, max, min, mul, neg, pow, round, select_n,
    stop_gradient, sub,
)
from fungrad.lax.reductions import reduce_sum  # noqa: F401
from fungrad.lax.shape_ops import broadcast_in_dim, reshape, transpose  # noqa: F401
