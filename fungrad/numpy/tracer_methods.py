"""Attach NumPy-style operators and methods to tracers (the core knows nothing of NumPy).

Every operator routes to a fungrad.numpy function, so ``x * y + 1`` on tracers builds the
same primitives as ``fnp.add(fnp.multiply(x, y), 1)``; the tables below are the whole
mapping. The forward binary operators and comparisons are the fnp functions themselves
(``Tracer.__mul__ is fnp.multiply``: no wrapper call on the hot path of traced code); the
others look their function up by name when called.
"""

from __future__ import annotations

import importlib
import sys
import types

import numpy as np

from fungrad.core import Tracer
from fungrad.numpy.numpy_dispatch import array_function, array_ufunc

BINARY_OPERATORS = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
    "floordiv": "floor_divide", "mod": "remainder", "pow": "power", "matmul": "matmul",
    "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
    "lshift": "left_shift", "rshift": "right_shift",
}
COMPARISONS = {"lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
               "eq": "equal", "ne": "not_equal"}
UNARY_OPERATORS = {"neg": "negative", "pos": "positive", "abs": "abs", "invert": "invert"}
METHODS = ("sum", "mean", "prod", "max", "min", "var", "std", "argmax", "argmin", "all",
           "any", "cumsum", "cumprod", "ravel", "squeeze", "swapaxes", "clip", "dot", "round",
           "conj", "conjugate", "trace", "diagonal", "repeat", "take", "sort", "argsort",
           "nonzero", "ptp")
PROPERTIES = ("real", "imag")  # attributes computed by the fnp function of the same name


def _fnp():
    # sys.modules lookup: importlib.import_module costs microseconds per operator call.
    return sys.modules.get("fungrad.numpy") or importlib.import_module("fungrad.numpy")


class _Namespace:
    """``fungrad.numpy`` once :func:`install_tracer_methods` has run (it runs at the end of
    that package's import): operators read the module from here rather than calling
    :func:`_fnp`, one call fewer on every operator of traced code. Functions are still
    looked up by name on each call."""

    module = None


def _method(name):
    def method(self, *args, **kwargs):
        return getattr(_Namespace.module or _fnp(), name)(self, *args, **kwargs)

    method.__name__ = name
    return method


def _binary(name):
    return lambda self, other: getattr(_Namespace.module or _fnp(), name)(self, other)


def _forward(name):
    """The method for ``x <op> y``: the fnp function itself when it is a plain function
    (it binds ``self`` as ``x``), else a wrapper that looks it up by name."""
    fn = getattr(_Namespace.module, name, None)
    return fn if isinstance(fn, types.FunctionType) else _binary(name)


def _reflected(name):
    return lambda self, other: getattr(_Namespace.module or _fnp(), name)(other, self)


def _reshape(self, *shape, order="C"):
    return _fnp().reshape(self, shape[0] if len(shape) == 1 else shape, order=order)


def _flatten(self, order="C", *, out_sharding=None):
    return _fnp().ravel(self, order, out_sharding=out_sharding)


def _transpose(self, *axes):
    return _fnp().transpose(self, (axes[0] if len(axes) == 1 else axes) if axes else None)


def _setitem(self, idx, value):
    raise TypeError(
        f"traced values are immutable: `x[{_index_text(idx)}] = ...` cannot update the traced "
        f"value {self.aval.str_short()} (inside the {self._trace.describe()}). Use "
        f"`x = x.at[{_index_text(idx)}].set(value)` (or .add, .multiply, .min, .max), which "
        "returns the updated array.")


def _index_text(idx) -> str:
    parts = idx if isinstance(idx, tuple) else (idx,)
    return ", ".join(repr(p) if isinstance(p, (int, type(None), type(Ellipsis))) else
                     ":" if isinstance(p, slice) and p == slice(None) else "idx" for p in parts)


def _format(self, spec: str) -> str:
    # f"{loss:.3f}" for logging under eager grad: the concrete value's text (JAX formats
    # concrete values too); without a value (jit, vmap), the tracer's description.
    if not spec:
        return repr(self)
    return format(np.asarray(self._concrete_for(f"format(x, {spec!r})"))[()], spec)


def install_tracer_methods() -> None:
    """Give :class:`Tracer` NumPy's operators, properties and array methods."""
    _Namespace.module = _fnp()
    for op, name in BINARY_OPERATORS.items():
        setattr(Tracer, f"__{op}__", _forward(name))
        setattr(Tracer, f"__r{op}__", _reflected(name))
    for op, name in COMPARISONS.items():
        setattr(Tracer, f"__{op}__", _forward(name))
    for op, name in UNARY_OPERATORS.items():
        setattr(Tracer, f"__{op}__", _method(name))
    for name in METHODS:
        setattr(Tracer, name, _method(name))
    Tracer.__array_ufunc__ = array_ufunc
    Tracer.__array_function__ = array_function
    Tracer.__getitem__ = lambda self, idx: _fnp().indexing.getitem(self, idx)
    Tracer.T = property(lambda self: _fnp().transpose(self))
    Tracer.mT = property(lambda self: _fnp().swapaxes(self, -1, -2))
    Tracer.at = property(lambda self: _fnp().indexing.AtIndexer(self))
    Tracer.__setitem__ = _setitem
    Tracer.__round__ = lambda self, ndigits=None: _fnp().round(self, ndigits or 0)
    Tracer.__format__ = _format
    for name in PROPERTIES:
        setattr(Tracer, name, property(_method(name)))
    Tracer.astype = lambda self, dtype, copy=False: _fnp().asarray(self, dtype)
    Tracer.reshape = _reshape
    Tracer.transpose = _transpose
    Tracer.flatten = _flatten
    Tracer.__hash__ = Tracer.__hash__  # __eq__ above would otherwise reset hashing to None
