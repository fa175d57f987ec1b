"""Dtype rules: NumPy 2 (NEP 50) promotion with weak Python scalars, float0, and bfloat16.

A *weak* value is a Python scalar (or a result computed only from Python scalars): it takes
the dtype of whatever strong array it meets, as NumPy 2 does, so ``float32_array * 2.0``
stays float32. fungrad's default dtypes are NumPy's (float64, int64), unlike JAX's float32
default; this matches JAX run with ``jax_enable_x64``.

The 16-bit floats ``float16`` and ``bfloat16`` (``ml_dtypes.bfloat16``, the type JAX uses;
an optional dependency, imported when first needed) promote as in JAX: ``bf16 + f16 ->
f32``, an integer or boolean array with a 16-bit float keeps the float (NumPy would give
float64 for ``int32 + float16``), and weak Python scalars keep the 16-bit type. Other
int/float pairs follow NumPy (``int32 + float32 -> float64``; JAX gives float32).
``bfloat16``'s NumPy kind is ``"V"``: test floats with :func:`is_inexact` or
:func:`is_floating`, never with ``dtype.kind``.
"""

from __future__ import annotations

import functools

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
    "is_floating",
    "is_low_precision",
    "bfloat16",
    "accumulation_dtype",
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


def _ml_dtypes():
    try:
        import ml_dtypes
    except ImportError:  # pragma: no cover - ml_dtypes is installed with jax
        return None
    return ml_dtypes


@functools.cache
def bfloat16() -> np.dtype:
    """Return the ``bfloat16`` dtype (from the optional ``ml_dtypes`` package).

    Raises ImportError with the fix when ``ml_dtypes`` is not installed.
    """
    mod = _ml_dtypes()
    if mod is None:
        raise ImportError(
            "fungrad.dtypes.bfloat16: bfloat16 needs the ml_dtypes package (the dtype JAX "
            "uses); install it with `pip install ml_dtypes` (or fungrad[bf16])."
        )
    return np.dtype(mod.bfloat16)


def _is_bf16(dtype: np.dtype) -> bool:
    # bfloat16 is the only extension float fungrad supports; compare by name so that a
    # missing ml_dtypes never breaks plain NumPy code.
    return dtype.kind == "V" and dtype.name == "bfloat16"


def is_floating(dtype) -> bool:
    """Return True for real floating dtypes, bfloat16 included."""
    dtype = np.dtype(dtype)
    return dtype.kind == "f" or _is_bf16(dtype)


def is_low_precision(dtype) -> bool:
    """Return True for the 16-bit floats (float16, bfloat16)."""
    dtype = np.dtype(dtype)
    return (dtype.kind == "f" and dtype.itemsize == 2) or _is_bf16(dtype)


def accumulation_dtype(dtype) -> np.dtype:
    """The dtype sums and dot products of ``dtype`` accumulate in: float32 for 16-bit floats.

    Every other dtype accumulates in itself (as in JAX, whose reductions and dots on
    bfloat16/float16 accumulate in float32 on CPU and round once at the end).
    """
    dtype = np.dtype(dtype)
    return np.dtype(np.float32) if is_low_precision(dtype) else dtype


def python_scalar_dtype(x: object) -> np.dtype:
    """Return the default dtype of a Python scalar (bool, int, float or complex)."""
    return _PYTHON_SCALAR_DTYPES[type(x)]


def is_inexact(dtype) -> bool:
    """Return True for floating and complex dtypes (the differentiable ones)."""
    dtype = np.dtype(dtype)
    return dtype.kind in "fc" or _is_bf16(dtype)


def is_float0(dtype) -> bool:
    """Return True if ``dtype`` is fungrad's ``float0``."""
    return np.dtype(dtype) == float0


def tangent_dtype(dtype) -> np.dtype:
    """Return the dtype of a tangent for a value of ``dtype``: itself, or float0 for ints."""
    dtype = np.dtype(dtype)
    return dtype if dtype.kind in "fc" or _is_bf16(dtype) else float0


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
    """Promote ``(dtype, weak_type)`` pairs under NEP 50 (JAX's rules for 16-bit floats).

    Strong dtypes promote with NumPy's table, except that booleans and integers meeting a
    strong float16/bfloat16 result give that float (JAX's lattice; NumPy would widen
    ``int32 + float16`` to float64); ``bfloat16 + float16`` gives float32. A weak value only
    contributes its kind (bool, integer, float, complex), taking the precision of the strong
    operands. The result is weak only when every operand is weak.

    Example:
        >>> result_type([(np.dtype("float32"), False), (np.dtype("float64"), True)])
        (dtype('float32'), False)
        >>> result_type([(np.dtype("int32"), False), (np.dtype("float16"), False)])
        (dtype('float16'), False)
    """
    strong = [np.dtype(d) for d, weak in dtypes_and_weak if not weak]
    weak_reps = [_weak_representative(np.dtype(d)) for d, weak in dtypes_and_weak if weak]
    if strong:
        return _promote_strong(strong, weak_reps), False
    # All weak: the highest kind wins, at its default precision.
    return np.result_type(*[np.dtype(d) for d, _ in dtypes_and_weak]), True


def _weak_representative(dtype: np.dtype):
    if _is_bf16(dtype):
        return 0.0
    return _WEAK_REPRESENTATIVE[dtype.kind]


def _promote_strong(strong: list[np.dtype], weak_reps: list) -> np.dtype:
    if len(strong) == 1 and not weak_reps:
        return strong[0]
    floats = [d for d in strong if d.kind in "fc" or _is_bf16(d)]
    if floats and len(floats) < len(strong):
        # Integers and booleans meet floats: JAX keeps a 16-bit float.
        top = np.result_type(*floats)
        if is_low_precision(top):
            return np.result_type(top, *weak_reps)
    return np.result_type(*strong, *weak_reps)
