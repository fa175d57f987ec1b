"""Printing arrays in fungrad.numpy: ``array_str`` and ``array_repr``, and NumPy's print
options (``printoptions``, ``get_printoptions``, ``set_printoptions``), which fungrad's
arrays follow because they print through NumPy (as jax.numpy's do).
"""

from __future__ import annotations

import numpy as np

from fungrad.core import Tracer, concrete_or_none, get_aval
from fungrad.errors import ConcretizationError

__all__ = ["array_str", "array_repr", "printoptions", "get_printoptions", "set_printoptions"]

printoptions, get_printoptions, set_printoptions = (
    np.printoptions, np.get_printoptions, np.set_printoptions)


def _host(fn: str, a) -> np.ndarray:
    value = concrete_or_none(a)
    if value is None:
        raise ConcretizationError(
            f"fnp.{fn}: the values of a traced array {get_aval(a).str_short()} are not known "
            "while tracing; print it with fg.debug.print (or return it and print outside).")
    return np.asarray(value) if isinstance(a, Tracer) else np.asarray(a)


def array_str(a, max_line_width=None, precision=None, suppress_small=None) -> str:
    """The text of ``a``'s values, as ``str`` of a NumPy array shows them.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.array_str(fnp.array([1.0, 2.5]))
        '[1.  2.5]'
    """
    return np.array_str(_host("array_str", a), max_line_width, precision, suppress_small)


def array_repr(arr, max_line_width=None, precision=None, suppress_small=None) -> str:
    """The ``repr`` text of ``arr``'s values, dtype included where NumPy shows it.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.array_repr(fnp.array([1, 2], dtype=np.int32))
        'array([1, 2], dtype=int32)'
    """
    return np.array_repr(_host("array_repr", arr), max_line_width, precision, suppress_small)
