"""Dtypes of fungrad.numpy: scalar type names, ``dtype``/``finfo``/``iinfo``, promotion
queries, ``astype``/``copy`` and the constants ``pi``, ``e``, ``inf``, ``nan``, ``newaxis``.

Each scalar type name (``fnp.float32``, ``fnp.int64``, ...) is, as in ``jax.numpy``, both a
dtype specifier (``np.dtype(fnp.float32)``, ``dtype=fnp.float32``, ``x.astype(fnp.float32)``)
and a constructor that returns an *array* of that dtype: ``fnp.float32(x)`` is
``fnp.asarray(x, fnp.float32)`` and works on tracers too. ``fnp.bfloat16`` comes from
``ml_dtypes`` (installed with JAX) and is absent without it.
"""

from __future__ import annotations

import numpy as np

from fungrad import dtypes as _dtypes
from fungrad.array_module import is_device_array
from fungrad.core import Tracer, get_aval, is_literal
from fungrad.numpy.array_type import as_array_type
from fungrad.numpy.creation import asarray

try:
    import ml_dtypes as _ml_dtypes
except ImportError:  # pragma: no cover - ml_dtypes ships with jax
    _ml_dtypes = None

__all__ = [
    "dtype", "finfo", "iinfo", "issubdtype", "result_type", "promote_types", "can_cast",
    "astype", "copy", "pi", "e", "inf", "nan", "newaxis", "euler_gamma",
    "generic", "number", "inexact", "floating", "complexfloating", "integer",
    "signedinteger", "unsignedinteger", "bool_", "bool", "int8", "int16", "int32", "int64",
    "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64", "complex64",
    "complex128", "float_", "int_", "uint", "complex_", "double", "single", "cdouble",
    "csingle", "character", "flexible", "object_", "isdtype",
]

dtype = np.dtype
pi, e, inf, nan, newaxis, euler_gamma = np.pi, np.e, np.inf, np.nan, None, np.euler_gamma

# Abstract scalar kinds, for issubdtype: NumPy's own classes.
generic, number, inexact, floating = np.generic, np.number, np.inexact, np.floating
complexfloating, integer = np.complexfloating, np.integer
signedinteger, unsignedinteger = np.signedinteger, np.unsignedinteger


class _ScalarMeta(type):
    """The class of fnp's scalar type names: a dtype specifier that constructs arrays."""

    dtype: np.dtype

    def __call__(cls, x):
        return asarray(x, cls.dtype)

    def __eq__(cls, other):
        return cls is other or other == cls.dtype.type

    def __hash__(cls):
        return hash(cls.dtype.type)

    def __instancecheck__(cls, instance):
        return isinstance(instance, cls.dtype.type)

    def __repr__(cls):
        return f"<class 'fungrad.numpy.{cls.__name__}'>"


def _scalar_type(name: str, np_dtype) -> _ScalarMeta:
    dt = np.dtype(np_dtype)
    doc = (f"The {dt.name} dtype; ``fnp.{name}(x)`` returns ``x`` as a {dt.name} array "
           "(a tracer under a transform).\n\n"
           "Example:\n    >>> import numpy as np\n    >>> import fungrad.numpy as fnp\n"
           f"    >>> fnp.{name}([1, 0]).dtype\n    {dt!r}\n"
           f"    >>> np.dtype(fnp.{name}) == np.dtype({dt.name!r})\n    True\n")
    return _ScalarMeta(name, (), {"dtype": dt, "__doc__": doc, "__module__": __name__})


bool_ = _scalar_type("bool_", np.bool_)
bool = bool_  # noqa: A001 (jax.numpy's name)
int8, int16 = _scalar_type("int8", np.int8), _scalar_type("int16", np.int16)
int32, int64 = _scalar_type("int32", np.int32), _scalar_type("int64", np.int64)
uint8, uint16 = _scalar_type("uint8", np.uint8), _scalar_type("uint16", np.uint16)
uint32, uint64 = _scalar_type("uint32", np.uint32), _scalar_type("uint64", np.uint64)
float16, float32 = _scalar_type("float16", np.float16), _scalar_type("float32", np.float32)
float64 = _scalar_type("float64", np.float64)
complex64 = _scalar_type("complex64", np.complex64)
complex128 = _scalar_type("complex128", np.complex128)
# Default-precision aliases: fungrad's defaults are 64-bit (JAX with x64 enabled).
float_, double, single = float64, float64, float32
int_, uint, complex_ = int64, uint64, complex128
cdouble, csingle = complex128, complex64
# NumPy's non-numeric scalar kinds, for issubdtype (as jax.numpy re-exports them).
character, flexible, object_ = np.character, np.flexible, np.object_

_EXTENDED_FLOATS: tuple = ()
if _ml_dtypes is not None:
    bfloat16 = _scalar_type("bfloat16", _ml_dtypes.bfloat16)
    __all__.append("bfloat16")
    _EXTENDED_FLOATS = (bfloat16.dtype.type,)


def _scalar_class(arg):
    """The NumPy scalar class that ``arg`` (a dtype, type, name, array or fnp type) names."""
    if isinstance(arg, _ScalarMeta):
        return arg.dtype.type
    if isinstance(arg, type) and issubclass(arg, np.generic):
        return arg
    if isinstance(arg, Tracer) or hasattr(arg, "dtype"):
        return np.dtype(arg.dtype).type
    return np.dtype(arg).type


def issubdtype(arg1, arg2) -> bool:
    """Whether dtype ``arg1`` is a sub-kind of ``arg2`` (``issubdtype(fnp.float32,
    fnp.floating)``), like ``jax.numpy.issubdtype``: bfloat16 counts as a float.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.issubdtype(fnp.float32, fnp.floating), fnp.issubdtype(np.int8, fnp.inexact)
        (True, False)
        >>> fnp.issubdtype(np.dtype('uint8'), fnp.integer)
        True
    """
    t1, t2 = _scalar_class(arg1), _scalar_class(arg2)
    if t1 in _EXTENDED_FLOATS:
        return t2 is t1 or t2 in (np.floating, np.inexact, np.number, np.generic)
    return np.issubdtype(t1, t2)


_KINDS = {
    "bool": lambda d: d.kind == "b",
    "signed integer": lambda d: d.kind == "i",
    "unsigned integer": lambda d: d.kind == "u",
    "integral": lambda d: d.kind in "iu",
    "real floating": lambda d: d.kind == "f" or d.type in _EXTENDED_FLOATS,
    "complex floating": lambda d: d.kind == "c",
    "numeric": lambda d: d.kind in "iufc" or d.type in _EXTENDED_FLOATS,
}


def isdtype(dtype, kind) -> bool:
    """Whether ``dtype`` is of ``kind`` (the array API's dtype test).

    Args:
        dtype: a dtype (or a scalar type such as ``fnp.float32``).
        kind: a dtype, one of the kind names 'bool', 'signed integer', 'unsigned integer',
            'integral', 'real floating', 'complex floating', 'numeric', or a tuple of these
            (true if any matches). bfloat16 counts as real floating, as in jax.numpy.

    Returns:
        A Python bool.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.isdtype(fnp.float32, "real floating"), fnp.isdtype(fnp.int8, ("bool", "numeric"))
        (True, True)
        >>> fnp.isdtype(fnp.int32, fnp.int64)
        False
    """
    dt = np.dtype(_scalar_class(dtype))
    kinds = kind if isinstance(kind, tuple) else (kind,)
    for k in kinds:
        if isinstance(k, str):
            if k not in _KINDS:
                raise ValueError(f"fnp.isdtype: unknown kind {k!r}; use a dtype or one of "
                                 f"{sorted(_KINDS)}")
            if _KINDS[k](dt):
                return True
        elif dt == np.dtype(_scalar_class(k)):
            return True
    return False


def _dtype_and_weak(fn: str, x) -> tuple[np.dtype, bool]:
    if isinstance(x, _ScalarMeta):
        return x.dtype, False
    if isinstance(x, Tracer) or isinstance(x, np.ndarray) or is_literal(x):
        aval = get_aval(x)
        return np.dtype(aval.dtype), aval.weak_type
    try:
        return np.dtype(x), False
    except TypeError:
        raise TypeError(f"fnp.{fn}: {x!r:.60} is neither an array, a Python scalar nor a "
                        "dtype") from None


def result_type(*args) -> np.dtype:
    """The dtype fungrad.numpy's functions give to a combination of ``args`` (arrays,
    tracers, Python scalars, dtypes).

    Promotion is NumPy 2's (NEP 50, Python scalars weak), which is what every fnp function
    applies: ``result_type(fnp.float32, 2.0)`` is float32. It differs from JAX's lattice
    for mixed strong kinds (NumPy: int32 with float32 is float64; JAX: float32).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.result_type(fnp.float32, 2.0)
        dtype('float32')
        >>> fnp.result_type(np.array([1, 2], np.int32), np.float32)
        dtype('float64')
    """
    if not args:
        raise ValueError("fnp.result_type: at least one array or dtype is required")
    return _dtypes.result_type([_dtype_and_weak("result_type", a) for a in args])[0]


def promote_types(a, b) -> np.dtype:
    """The promoted dtype of two dtypes (NumPy's table; see :func:`result_type`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.promote_types(fnp.int8, fnp.uint8)
        dtype('int16')
        >>> fnp.promote_types('float32', 'complex64')
        dtype('complex64')
    """
    return np.promote_types(np.dtype(a), np.dtype(b))


def can_cast(from_, to, casting: str = "safe") -> bool:
    """Whether ``from_`` (a dtype, or an array's dtype) casts to ``to`` under ``casting``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.can_cast(fnp.int32, fnp.float64), fnp.can_cast(fnp.float64, fnp.float32)
        (True, False)
        >>> fnp.can_cast(np.array([1.0]), fnp.float32, casting='same_kind')
        True
    """
    if isinstance(from_, Tracer) or isinstance(from_, np.ndarray):
        from_ = get_aval(from_).dtype
    return np.can_cast(np.dtype(from_), np.dtype(to), casting)


def finfo(dtype):  # noqa: F811 (jax.numpy's argument name)
    """Machine limits of a float dtype (eps, tiny, max, ...), bfloat16 included.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> float(fnp.finfo(fnp.float32).eps)
        1.1920928955078125e-07
        >>> int(fnp.finfo(fnp.float16).bits)
        16
    """
    dt = np.dtype(_scalar_class(dtype))
    if dt.kind not in "fcV" and dt.type not in _EXTENDED_FLOATS:
        raise ValueError(f"fnp.finfo: {dt} is not an inexact dtype; use fnp.iinfo for "
                         "integers")
    return _ml_dtypes.finfo(dt) if _ml_dtypes is not None else np.finfo(dt)


def iinfo(int_type):
    """Machine limits of an integer dtype (min, max, bits).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> info = fnp.iinfo(fnp.int8)
        >>> int(info.min), int(info.max), info.bits
        (-128, 127, 8)
    """
    dt = np.dtype(_scalar_class(int_type))
    if dt.kind not in "iu":
        raise ValueError(f"fnp.iinfo: {dt} is not an integer dtype; use fnp.finfo for floats")
    return np.iinfo(dt)


def astype(x, dtype, /, *, copy: bool = False, device=None):  # noqa: A002
    """``x`` converted to ``dtype`` (the Array API function; same as ``x.astype(dtype)``).

    Converting a float to an integer truncates toward zero; the derivative through a
    conversion between float dtypes is the identity, and zero into integer dtypes.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> y = fnp.astype(np.array([1.7, -2.7]), fnp.int32)
        >>> y.dtype, y.tolist()
        (dtype('int32'), [1, -2])
    """
    if device is not None:
        raise NotImplementedError("fnp.astype: `device` is not supported; use "
                                  "fungrad.device_put")
    if dtype is None:
        raise TypeError("fnp.astype: dtype is required (got None); pass e.g. fnp.float32")
    return asarray(x, np.dtype(dtype), copy=copy or None)


def copy(a, order=None):
    """A copy of ``a`` (arrays are immutable under transforms, so a traced ``a`` is
    returned as is).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.array([1.0, 2.0])
        >>> b = fnp.copy(a)
        >>> b.tolist(), b is a
        ([1.0, 2.0], False)
    """
    if isinstance(a, Tracer):
        return a
    if is_device_array(a):
        return a.copy()  # stays on its device
    return as_array_type(np.array(a, copy=True))
