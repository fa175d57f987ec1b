"""Dtype rules: NumPy 2 (NEP 50) promotion with weak Python scalars, and float0.

A *weak* value is a Python scalar (or a result computed only from Python scalars): it takes
the dtype of whatever strong array it meets, as NumPy 2 does, so ``float32_array * 2.0``
stays float32. fungrad's default dtypes are NumPy's (float64, int64), unlike JAX's float32
default; this matches JAX run with ``jax_enable_x64``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "float0",
    "result_type",
    "tangent_dtype",
    "is_inexact",
    "is_float0",
    "python_scalar_dtype",
    "canonicalize",
    "real_dtype",
    "complex_dtype",
]

# The dtype of tangents and cotangents of integer and boolean values: it holds no data.
float0 = np.dtype([("float0", np.void, 0)])

_PYTHON_SCALAR_DTYPES = {
    bool: np.dtype(np.bool_),
    int: np.dtype(np.int64),
    float: np.dtype(np.float64),
    complex: np.dtype(np.complex128),
}

# NumPy's result_type applies NEP 50 to these representatives of the weak kinds.
_WEAK_REPRESENTATIVE = {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}


def python_scalar_dtype(x: object) -> np.dtype:
    """Return the default dtype of a Python scalar (bool, int, float or complex)."""
    return _PYTHON_SCALAR_DTYPES[type(x)]


def is_inexact(dtype) -> bool:
    """Return True for floating and complex dtypes (the differentiable ones)."""
    return np.dtype(dtype).kind in "fc"


def is_float0(dtype) -> bool:
    """Return True if ``dtype`` is fungrad's ``float0``."""
    return np.dtype(dtype) == float0


def tangent_dtype(dtype) -> np.dtype:
    """Return the dtype of a tangent for a value of ``dtype``: itself, or float0 for ints."""
    dtype = np.dtype(dtype)
    return dtype if dtype.kind in "fc" else float0


def real_dtype(dtype) -> np.dtype:
    """Return the dtype of a complex dtype's parts (complex64 -> float32); others unchanged."""
    dtype = np.dtype(dtype)
    return np.dtype(f"f{dtype.itemsize // 2}") if dtype.kind == "c" else dtype


def complex_dtype(dtype) -> np.dtype:
    """Return the complex dtype with parts of float dtype ``dtype`` (float32 -> complex64)."""
    return np.result_type(np.dtype(dtype), np.complex64)


def canonicalize(dtype) -> np.dtype:
    """Return ``dtype`` as a NumPy dtype object (accepts types, strings and dtypes)."""
    return np.dtype(dtype)


def result_type(dtypes_and_weak: list[tuple[np.dtype, bool]]) -> tuple[np.dtype, bool]:
    """Promote ``(dtype, weak_type)`` pairs under NEP 50.

    Strong dtypes promote with NumPy's table; a weak value only contributes its kind (bool,
    integer, float, complex), taking the precision of the strong operands. The result is weak
    only when every operand is weak.

    Example:
        >>> result_type([(np.dtype("float32"), False), (np.dtype("float64"), True)])
        (dtype('float32'), False)
    """
    strong = [d for d, weak in dtypes_and_weak if not weak]
    weak_reps = [_WEAK_REPRESENTATIVE[d.kind] for d, weak in dtypes_and_weak if weak]
    if strong:
        return np.result_type(*strong, *weak_reps), False
    # All weak: the highest kind wins, at its default precision.
    return np.result_type(*[np.dtype(d) for d, _ in dtypes_and_weak]), True
