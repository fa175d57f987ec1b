"""The operand rule of ``fungrad.scipy.special``: promote to one float dtype, broadcast.

Its own module so that the special-function modules (``special``, ``special_integrals``)
and the stats/linalg modules share it without importing each other.
"""

from __future__ import annotations

import numpy as np

from fungrad.array_module import constant_like, is_device_array
from fungrad.numpy.promotion import as_operand, promote, to_dtype

__all__ = ["floats"]


def floats(name: str, *args):
    """Promote and broadcast ``args`` to one float dtype (integers and bools to float64).

    Python scalars become arrays of that dtype, so that ``1 / 0`` is ``inf`` (as in
    NumPy) rather than a ZeroDivisionError.
    """
    args = promote(name, *[as_operand(a) for a in args])
    dtype = next((np.dtype(a.dtype) for a in args if hasattr(a, "dtype")), None)
    if dtype is None:
        dtype = np.result_type(*args)
    if dtype.kind == "c":
        raise TypeError(f"fungrad.scipy.special.{name}: complex operands are not "
                        "supported; pass real floating-point arrays")
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    args = [np.asarray(a, dtype=dtype) if isinstance(a, (bool, int, float)) else
            a if np.dtype(a.dtype) == dtype else to_dtype(a, dtype) for a in args]
    # callers combine these with Python operators: scalars go where the arrays are
    ref = next((b for b in args if is_device_array(b)), None)
    if ref is not None:
        args = [constant_like(a, ref) if type(a) is np.ndarray and a.ndim == 0 else a
                for a in args]
    return args if len(args) > 1 else args[0]
