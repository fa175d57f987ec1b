"""Integer number theory of fungrad.numpy: ``gcd`` and ``lcm`` (Euclid's algorithm as a
``lax.while_loop`` over the whole array, so they trace under jit and vmap)."""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.core import get_aval
from fungrad.numpy.math import absolute, equal, floor_divide, not_equal, remainder, where
from fungrad.numpy.promotion import as_operand, promote_dtypes
from fungrad.numpy.reductions import any as _any
from fungrad.numpy.reshaping import broadcast_arrays

__all__ = ["gcd", "lcm"]


def _integers(fn: str, x1, x2):
    """Both operands in their promoted integer dtype, broadcast to one shape."""
    x1, x2 = promote_dtypes(fn, as_operand(x1), as_operand(x2))
    dtype = np.dtype(get_aval(x1).dtype)
    if dtype.kind not in "iu":
        raise TypeError(f"fnp.{fn}: needs integer arrays, got dtype {dtype}")
    return broadcast_arrays(x1, x2)


def gcd(x1, x2):
    """The greatest common divisor of ``|x1|`` and ``|x2|``, elementwise (``gcd(0, 0) = 0``)."""
    a, b = (absolute(x) for x in _integers("gcd", x1, x2))

    def unfinished(state):
        return _any(not_equal(state[1], 0))

    def step(state):
        a, b = state
        done = equal(b, 0)
        return where(done, a, b), where(done, b, remainder(a, where(done, 1, b)))

    return lax.while_loop(unfinished, step, (a, b))[0]


def lcm(x1, x2):
    """The least common multiple of ``|x1|`` and ``|x2|``, elementwise (0 if either is 0)."""
    a, b = _integers("lcm", x1, x2)
    d = gcd(a, b)
    zero = equal(d, 0)
    return where(zero, 0, absolute(a * floor_divide(b, where(zero, 1, d))))
