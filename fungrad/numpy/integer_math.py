"""Number theory on integer arrays in fungrad.numpy: ``gcd`` and ``lcm``.

The greatest common divisor is Euclid's algorithm on whole arrays: a ``lax.while_loop``
that takes remainders wherever the divisor is still nonzero, so it runs under jit and vmap
(at most about 90 rounds for int64). Results are integers: no derivatives.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.core import get_aval
from fungrad.numpy.math import absolute, equal, floor_divide, not_equal, remainder, where
from fungrad.numpy.promotion import as_operand, promote
from fungrad.numpy.reductions import any as _any
from fungrad.numpy.reshaping import broadcast_arrays

__all__ = ["gcd", "lcm"]


def _integer_pair(fn: str, x1, x2):
    x1, x2 = promote(fn, as_operand(x1), as_operand(x2))
    for name, x in (("x1", x1), ("x2", x2)):
        dtype = np.dtype(get_aval(as_operand(x)).dtype)
        if dtype.kind not in "iu":
            raise TypeError(f"fnp.{fn}: {name} must be an integer array, got dtype {dtype} "
                            "(NumPy and JAX take integers only)")
    return as_operand(x1), as_operand(x2)


def gcd(x1, x2):
    """The greatest common divisor of ``|x1|`` and ``|x2|``, elementwise (``gcd(0, 0) = 0``).

    Args:
        x1, x2: integer arrays, broadcast together.

    Returns:
        A non-negative integer array of the promoted dtype.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.gcd(np.array([12, -8, 0]), np.array([18, 4, 5])).tolist()
        [6, 4, 5]
    """
    a, b = _integer_pair("gcd", x1, x2)
    a, b = (absolute(v) for v in broadcast_arrays(a, b))

    def step(pair):
        a, b = pair
        going = not_equal(b, 0)
        return where(going, b, a), where(going, remainder(a, where(going, b, 1)), 0)

    return lax.while_loop(lambda pair: _any(not_equal(pair[1], 0)), step, (a, b))[0]


def lcm(x1, x2):
    """The least common multiple of ``|x1|`` and ``|x2|``, elementwise (0 where either is 0).

    Args:
        x1, x2: integer arrays, broadcast together.

    Returns:
        A non-negative integer array of the promoted dtype.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.lcm(np.array([4, -6, 0]), np.array([6, 4, 3])).tolist()
        [12, 12, 0]
    """
    a, b = _integer_pair("lcm", x1, x2)
    divisor = gcd(a, b)
    zero = equal(divisor, 0)
    return where(zero, 0, absolute(floor_divide(a, where(zero, 1, divisor)) * b))
