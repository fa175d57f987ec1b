"""``lax.Precision``: the matmul/convolution precision enum, accepted and ignored.

fungrad computes ``dot_general`` and convolutions in the operands' dtype (NumPy, BLAS), so
every precision gives the same result; the enum exists so that JAX code passing
``precision=lax.Precision.HIGHEST`` runs unchanged.
"""

from __future__ import annotations

import enum

__all__ = ["Precision"]


class Precision(enum.Enum):
    """Precision of matrix products and convolutions (JAX's names; fungrad ignores it).

    Besides the members, the strings ``"default"``/``"bfloat16"``, ``"high"``/
    ``"tensorfloat32"`` and ``"highest"``/``"float32"`` name them, as in JAX.

    Example:
        >>> from fungrad import lax
        >>> lax.Precision('highest')
        <Precision.HIGHEST: 2>
        >>> lax.Precision.DEFAULT.value
        0
    """

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value):
        names = {"default": cls.DEFAULT, "bfloat16": cls.DEFAULT, "high": cls.HIGH,
                 "tensorfloat32": cls.HIGH, "highest": cls.HIGHEST, "float32": cls.HIGHEST}
        if isinstance(value, str) and value.lower() in names:
            return names[value.lower()]
        return None

    def __str__(self):
        return self.name
