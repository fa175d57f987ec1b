"""``lax.nextafter``: the next representable float after ``x1`` towards ``x2``.

An elementwise binary primitive on floats (NumPy's ``nextafter``). JAX defines no
derivative; fungrad's is the one almost everywhere: the result moves with ``x1`` (a tangent
of 1) and not with ``x2``. Fused kernels run its NumPy impl (kernels' lowering tables say why).
"""

from __future__ import annotations

import numpy as np

__all__ = ["nextafter_p", "nextafter"]

from fungrad import core, dtypes
from fungrad.array_module import get_array_module
from fungrad.interpreters.jvp import defjvp
from fungrad.lax.elementwise import binary_primitive


def _nextafter_impl(x1, x2):
    # Stepping past the largest float to infinity is the answer, not an overflow to warn of.
    with np.errstate(over="ignore", under="ignore"):
        return get_array_module(x1, x2).nextafter(x1, x2)


nextafter_p = binary_primitive("nextafter", _nextafter_impl)
defjvp(nextafter_p, lambda t, ans, x1, x2: t, None)


def nextafter(x1, x2):
    """The float after ``x1`` in the direction of ``x2``, elementwise (operands of one
    float dtype and shape; rank-0 literals broadcast).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.nextafter(np.float32(1.0), np.float32(2.0)).item() - 1.0
        1.1920928955078125e-07
    """
    for position, x in enumerate((x1, x2)):
        dtype = core.get_aval(x).dtype
        if not dtypes.is_floating(dtype):
            raise TypeError(f"lax.nextafter: operand x{position + 1} has dtype {dtype}, but "
                            "nextafter takes floats; convert with lax.convert_element_type")
    return nextafter_p.bind(x1, x2)
