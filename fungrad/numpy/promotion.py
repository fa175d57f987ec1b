"""Operand preparation for fungrad.numpy: NEP 50 dtype promotion and NumPy broadcasting.

lax primitives are strict (equal shapes and dtypes, rank-0 operands excepted); every
NumPy convenience happens here, before binding.
"""

from __future__ import annotations

import numpy as np

from fungrad import dtypes, lax
from fungrad.core import Tracer, get_aval, is_literal, shape_of
from fungrad.errors import ShapeError, user_site

_PY_SCALARS = (bool, int, float, complex)


def to_dtype(x, dtype: np.dtype):
    """Cast ``x`` to ``dtype``: literals stay literals, arrays go through lax."""
    if type(x) in _PY_SCALARS or isinstance(x, np.generic):
        if type(x) is int and dtype.kind in "iu" and not _int_fits(x, dtype):
            return _wrapped_int(x, dtype)
        return dtype.type(x)
    if get_aval(x).dtype == dtype:
        return x
    return lax.convert_element_type(x, dtype)


def _int_fits(value: int, dtype: np.dtype) -> bool:
    info = _INT_RANGES.get(dtype)
    if info is None:
        info = _INT_RANGES[dtype] = (int(np.iinfo(dtype).min), int(np.iinfo(dtype).max))
    return info[0] <= value <= info[1]


_INT_RANGES: dict[np.dtype, tuple[int, int]] = {}


def _wrapped_int(value: int, dtype: np.dtype):
    """A Python int outside ``dtype``'s range, wrapped modulo 2**bits as JAX converts weak
    ints (``int8_array + 1000`` is ``int8_array + (-24)``; NumPy 2 raises OverflowError).
    Beyond 64 bits it raises, as JAX does."""
    if not -2**63 <= value < 2**64:
        raise OverflowError(f"Python int {value} is too large to convert to {dtype.name} "
                            "(beyond 64 bits)")
    bits = 8 * dtype.itemsize
    wrapped = value % (1 << bits)
    if dtype.kind == "i" and wrapped >= 1 << (bits - 1):
        wrapped -= 1 << bits
    return dtype.type(wrapped)


def broadcast_to_shape(x, shape: tuple[int, ...]):
    """Broadcast ``x`` to ``shape`` by NumPy's rules (trailing axes aligned)."""
    x_shape = shape_of(x)
    if x_shape == shape:
        return x
    lead = len(shape) - len(x_shape)
    return lax.broadcast_in_dim(x, shape, tuple(range(lead, len(shape))))


def result_shape(fn_name: str, shapes) -> tuple[int, ...]:
    """NumPy's broadcast shape, or a ShapeError naming the function and all shapes."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(str(tuple(s)) for s in shapes)
        raise ShapeError(
            f"fnp.{fn_name}: operands with shapes {listed} cannot be broadcast together "
            f"(NumPy broadcasting aligns trailing axes; each must match or be 1).\n"
            f"  at {user_site()}"
        ) from None


def promote_dtypes(fn_name: str, *args):
    """Cast operands to their common NEP 50 dtype (Python scalars are weak)."""
    avals = [get_aval(a) for a in args]
    dtype, _ = dtypes.result_type([(a.dtype, a.weak_type) for a in avals])
    return [x if a.dtype == dtype else to_dtype(x, dtype) for x, a in zip(args, avals)]


def promote(fn_name: str, *args):
    """Promote dtypes and broadcast shapes of the operands of an elementwise function.

    Rank-0 operands are left unbroadcast (primitives accept them); others are broadcast to
    the common shape.
    """
    if len(args) == 2:
        fast = promote_pair_fast(*args) or _broadcast_pair(*args)
        if fast is not None:
            return fast
    args = promote_dtypes(fn_name, *args)
    shapes = [shape_of(a) for a in args]
    shape = result_shape(fn_name, shapes)
    return [a if s in (shape, ()) else broadcast_to_shape(a, shape)
            for a, s in zip(args, shapes)]


def promote_operands(fn_name: str, x, y):
    """Validate (:func:`as_operand`) and :func:`promote` the two operands of a binary function.

    The common pairs (arrays or tracers of one shape and dtype, or with a Python scalar)
    need neither step and return at once: this runs on every operator of traced code.
    """
    fast = promote_pair_fast(x, y)
    if fast is not None:
        return fast
    return promote_uncommon(fn_name, x, y)


def promote_uncommon(fn_name: str, x, y):
    """:func:`promote_operands` of a pair that :func:`promote_pair_fast` declined."""
    x, y = as_operand(x), as_operand(y)
    return _broadcast_pair(x, y) or promote(fn_name, x, y)


def _broadcast_pair(x, y):
    """Two arrays or tracers of one (strong) dtype and different shapes: broadcast them
    without the dtype promotion (a bias added to a batch). None for anything else,
    shapes that do not broadcast included (promote's error says why)."""
    tx, ty = type(x), type(y)
    ax = x if tx is np.ndarray else x.aval if isinstance(x, Tracer) else None
    ay = y if ty is np.ndarray else y.aval if isinstance(y, Tracer) else None
    if ax is None or ay is None or ax.dtype != ay.dtype or _weak(x) or _weak(y):
        return None
    sx, sy = ax.shape, ay.shape
    n = len(sx) if len(sx) > len(sy) else len(sy)
    shape = []
    for a, b in zip((1,) * (n - len(sx)) + sx, (1,) * (n - len(sy)) + sy):
        if b in (a, 1):
            shape.append(a)
        elif a == 1:
            shape.append(b)
        else:
            return None
    shape = tuple(shape)
    return (x if sx in (shape, ()) else broadcast_to_shape(x, shape),
            y if sy in (shape, ()) else broadcast_to_shape(y, shape))


def promote_pair_fast(x, y):
    """The common cases (same shape and dtype; array with Python scalar) without overhead.

    Returns None for everything else, including operands that are not arrays yet (lists).
    """
    # Abstract values are read from a tracer's aval (its .dtype and .shape are properties);
    # None stands for a Python scalar. A loop, not a helper: no call per operand.
    avals = []
    for v in (x, y):
        if type(v) is np.ndarray:
            avals.append(v)
        elif isinstance(v, Tracer):
            avals.append(v.aval)
        elif type(v) in _PY_SCALARS:
            avals.append(None)
        else:
            return None
    ax, ay = avals
    tx, ty = type(x), type(y)
    # A Python scalar stays a Python scalar: primitives and NumPy 2 treat it as weak.
    # (A float with a float or complex array, the common case, is decided inline.)
    if ay is None:
        if ax is None:
            return None
        kind = ax.dtype.kind
        if ty is float and kind in "fc":
            return x, y
        if ty is int and kind == "i" and not _int_fits(y, ax.dtype):
            return None  # promote wraps it, as JAX does
        return (x, y) if _weak_kind_fits(kind, ty) else None
    if ax is None:
        if tx is int and ay.dtype.kind == "i" and not _int_fits(x, ay.dtype):
            return None
        return (x, y) if _weak_kind_fits(ay.dtype.kind, tx) else None
    if ax.dtype == ay.dtype and ax.shape == ay.shape and not _weak(x) and not _weak(y):
        return x, y
    return None


_KIND_ORDER = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3, "V": 2}  # V: bfloat16
_SCALAR_KIND = {bool: 0, int: 1, float: 2, complex: 3}


def _weak_kind_fits(kind: str, scalar_type) -> bool:
    # A Python bool is a strong bool[] to the primitives: only bool operands take it as is.
    if scalar_type is bool:
        return kind == "b"
    return _KIND_ORDER.get(kind, -1) >= _SCALAR_KIND[scalar_type] and kind != "u"


def pair_dtype(x, y) -> np.dtype:
    """The dtype of a promoted pair: the array's where the other operand is a Python scalar
    (promote leaves such a scalar weak and unconverted, so its own type says nothing)."""
    return np.dtype(get_aval(y if type(x) in _PY_SCALARS else x).dtype)


def inexact_pair(fn_name: str, x, y):
    """The operands of a binary float function, promoted to one inexact dtype: NEP 50 first
    (float32 with a bool array or a Python int stays float32, as in NumPy and JAX), then
    integers and booleans to float64. A Python scalar takes the other's dtype: derivative
    rules and custom_jvp functions combine the operands with strict lax primitives."""
    x, y = promote(fn_name, as_operand(x), as_operand(y))
    dtype = pair_dtype(x, y)
    if dtype.kind not in "fcV":
        dtype = np.dtype(np.float64)
    return to_dtype(x, dtype), to_dtype(y, dtype)


def _weak(x) -> bool:
    return isinstance(x, Tracer) and x.aval.weak_type


def as_inexact(x):
    """``x`` as an operand of a float or complex dtype: integers and booleans become float64
    (as NumPy's float functions make them); bfloat16 stays. A Python int or bool becomes a
    Python float, weak as it was: ``copysign(x32, 2)`` stays float32, as in NumPy and JAX."""
    if type(x) in (int, bool):
        return float(x)
    x = as_operand(x)
    dtype = np.dtype(get_aval(x).dtype)
    if dtype.kind in "fcV":
        return x
    return to_dtype(x, np.dtype(np.float64))


def as_operand(x):
    """Validate a single operand: arrays, tracers and scalars pass, lists become arrays."""
    if isinstance(x, (Tracer, np.ndarray)) or is_literal(x):
        return x
    if isinstance(x, (list, tuple)):
        from fungrad.numpy.creation import asarray  # noqa: PLC0415

        return asarray(x)
    get_aval(x)  # raises a clear TypeError for non-arrays
    return x
