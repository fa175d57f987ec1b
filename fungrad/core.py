"""The core: primitives, abstract values, traces and tracers, ``bind``, and the IR.

How dispatch works (the "stackless" design). There is exactly one *current trace*. Every
trace has a parent and a level (parent's level + 1); the bottom is the eval trace, which
calls a primitive's ``impl`` on NumPy/CuPy arrays. ``bind(prim, *args)`` hands the call to
the current trace. A trace recognises only tracers that it created itself (``t._trace is
self``); everything else, including tracers of enclosing (lower-level) traces, is a constant
to it. When a trace runs a rule it makes its parent current, so primitives bound inside the
rule fall through to the next interpreter down. Nested transforms therefore never confuse
each other's perturbations.

When a transform exits, its trace is marked invalid; binding a tracer of an invalid trace
raises :class:`LeakedTracerError`.

The IR (typed, single-assignment equations) and the staging trace that builds it live in
:mod:`fungrad.ir`.
"""

from __future__ import annotations

import itertools
import math
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from fungrad import dtypes
from fungrad.array_module import HOST_TYPES, place_operands
from fungrad.errors import (
    ConcretizationError,
    LeakedTracerError,
    ShapeError,
    TracerArrayConversionError,
    user_site,
)

# ---------------------------------------------------------------------------------------
# Abstract values


class ShapedArray:
    """The abstract value of an array: shape, dtype, and whether its dtype is weak.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> fg.ShapedArray((2, 3), np.float32)
        ShapedArray(f32[2,3])
        >>> fg.eval_shape(lambda x: x.sum(0), fg.ShapeDtypeStruct((2, 3), np.float32))
        ShapeDtypeStruct(shape=(3,), dtype=float32)
    """

    __slots__ = ("shape", "dtype", "weak_type")

    def __init__(self, shape: tuple[int, ...], dtype, weak_type: bool = False):
        # Avals are built for every traced operation: skip the conversions when the
        # arguments already have the right types (an array's .shape and .dtype do).
        self.shape = shape if type(shape) is tuple else tuple(shape)
        self.dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
        self.weak_type = weak_type

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)  # np.prod of a tuple costs ~4 us: sizes are on hot paths

    def __eq__(self, other):
        return (
            isinstance(other, ShapedArray)
            and self.shape == other.shape
            and self.dtype == other.dtype
            and self.weak_type == other.weak_type
        )

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))

    def str_short(self) -> str:
        """Return a compact form such as ``f64[3,4]`` (``~`` marks a weak dtype)."""
        kind = "float0" if dtypes.is_float0(self.dtype) else _short_dtype(self.dtype)
        return f"{'~' if self.weak_type else ''}{kind}[{','.join(map(str, self.shape))}]"

    def __repr__(self):
        return f"ShapedArray({self.str_short()})"

    def update(self, shape=None, dtype=None, weak_type=None) -> ShapedArray:
        """Return a copy with some fields replaced."""
        return ShapedArray(
            self.shape if shape is None else shape,
            self.dtype if dtype is None else dtype,
            self.weak_type if weak_type is None else weak_type,
        )


def _short_dtype(dtype: np.dtype) -> str:
    names = {"f": "f", "i": "i", "u": "u", "c": "c", "b": "bool"}
    if dtype.kind == "b":
        return "bool"
    if dtype.kind not in names:
        return "bf16" if dtype.name == "bfloat16" else dtype.name  # as JAX prints it
    return f"{names[dtype.kind]}{dtype.itemsize * 8}"


# The avals of Python scalars (weak, except bool), shared: avals are never mutated.
SCALAR_AVALS = {
    bool: ShapedArray((), np.bool_, False),
    int: ShapedArray((), np.int64, True),
    float: ShapedArray((), np.float64, True),
    complex: ShapedArray((), np.complex128, True),
}


def get_aval(x: Any) -> ShapedArray:
    """Return the abstract value of an array, scalar or tracer."""
    if isinstance(x, Tracer):
        return x.aval
    aval = SCALAR_AVALS.get(type(x))
    if aval is not None:
        return aval
    try:
        return ShapedArray(x.shape, x.dtype, False)
    except AttributeError:
        raise TypeError(
            f"fungrad: a value of type {type(x).__name__} is not an array: {x!r:.80}. "
            "Pass NumPy/CuPy arrays, Python scalars, or pytrees of them.\n"
            f"  at {user_site()}"
        ) from None


def shape_of(x: Any) -> tuple[int, ...]:
    """Return the shape of an array, tracer or scalar (``np.shape`` rejects tracers)."""
    try:
        return x.shape
    except AttributeError:
        return ()


def is_literal(x: Any) -> bool:
    """True for rank-0 constants that may appear inline in primitives and in the IR."""
    return type(x) in SCALAR_AVALS or isinstance(x, np.generic)


# ---------------------------------------------------------------------------------------
# Primitives


class Primitive:
    """A named operation with an eager ``impl`` and an ``abstract_eval`` shape rule.

    Array operands are positional; static parameters are keyword params and hashable.
    Rules for other interpretations (JVP, transpose, batching, simplification, lowering)
    live in tables keyed by primitive, owned by the interpreters (``fungrad.interpreters``)
    and filled by the module that defines the primitive. ``call_like`` marks primitives
    that call an IR parameter ``ir`` on their operands (``jit_call``, ``remat``);
    ``inline`` marks those whose equations the IR passes may inline (``jit_call``).
    ``elementwise`` marks primitives that map operands to results element by element (the
    elementwise family constructors set it); kernel fusion may fuse them.
    """

    multiple_results = False
    inline = False
    elementwise = False

    def __init__(self, name: str, *, multiple_results: bool = False, linear: bool = False,
                 call_like: bool = False):
        self.name = name
        self.multiple_results = multiple_results
        self.linear = linear  # linear primitives need a transpose rule
        self.call_like = call_like
        self.impl: Callable | None = None
        self.host_impl: Callable | None = None  # the impl for host operands (eager bind)
        self.abstract_eval: Callable | None = None
        self.module = _defining_module()
        registry[name] = self

    def __repr__(self):
        return self.name

    def def_impl(self, impl: Callable) -> Callable:
        """Set the impl; an impl with a ``host_impl`` attribute (``module_function``'s: the
        NumPy function itself) gives eager ``bind`` that for all-host operands, saving the
        impl's own dispatch on the operands' module."""
        self.impl = impl
        self.host_impl = getattr(impl, "host_impl", impl)
        return impl

    def def_abstract_eval(self, rule: Callable) -> Callable:
        self.abstract_eval = rule
        return rule

    def bind(self, *args, **params):
        """Apply the primitive on the current trace (eagerly when no transform is active)."""
        trace = _context.trace
        if trace is eval_trace:
            impl = self.host_impl
            for a in args:
                if type(a) not in HOST_TYPES:  # a tracer, or a device array: the slow path
                    args = eager_operands(self, args, strict=not _context.transforms)
                    impl = self.impl
                    break
            try:
                return impl(*args, **params)
            except Exception as err:
                raise_impl_error(self, args, params, err)
        return trace.process(self, args, params)


registry: dict[str, Primitive] = {}


def eager_operands(prim: Primitive, args: tuple, strict: bool) -> tuple:
    """The operands of an eager call with host constants placed on the operands' device.

    ``strict`` (a user's eager call) rejects host arrays mixed with device arrays; the
    machinery evaluating a traced program passes False, so the NumPy constants the program
    captured move to the device it computes on (see :mod:`fungrad.array_module`).
    """
    for a in args:
        if isinstance(a, Tracer):
            raise_foreign_tracer(a, eval_trace, prim)
    return place_operands(prim.name, args, strict)


def _defining_module() -> str:
    """The module whose top-level code creates the primitive (past family constructors)."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_name != "<module>":
        name = frame.f_globals.get("__name__", "?")
        if not name.startswith("fungrad"):  # made inside a user's function: its module
            return name
        frame = frame.f_back
    return frame.f_globals.get("__name__", "?") if frame is not None else "?"


def raise_impl_error(prim: Primitive, args, params, err: Exception):
    """Re-raise a failing eager impl with the primitive, operand shapes and user's line."""
    if isinstance(err, (ShapeError, TypeError)) and "fungrad" in str(err):
        raise err
    try:
        avals = [get_aval(a) for a in args]
        prim.abstract_eval(*avals, **params)
    except ShapeError as shape_err:
        raise ShapeError(f"{shape_err}\n  at {user_site()}") from None
    except Exception:
        pass
    raise err


def check_same_shapes(prim_name: str, *avals: ShapedArray) -> tuple[int, ...]:
    """Return the common shape of operands; rank-0 operands broadcast, others must match."""
    shape = ()
    for aval in avals:
        if aval.shape in ((), shape):
            continue
        if shape == ():
            shape = aval.shape
            continue
        shapes = ", ".join(str(a.shape) for a in avals)
        raise ShapeError(
            f"{prim_name}: operand shapes {shapes} differ. lax primitives need equal shapes "
            "(rank-0 operands excepted); fungrad.numpy functions broadcast for you."
        )
    return shape


def check_same_dtypes(prim_name: str, *avals: ShapedArray) -> np.dtype:
    """Return the common dtype of operands; weak rank-0 literals adopt the others' dtype."""
    strong = [a.dtype for a in avals if not a.weak_type]
    if len(set(strong)) > 1:
        names = ", ".join(str(d) for d in strong)
        raise TypeError(
            f"fungrad {prim_name}: operand dtypes {names} differ. lax primitives need equal "
            "dtypes; use fungrad.numpy (which promotes) or lax.convert_element_type."
        )
    if strong:
        return strong[0]
    return dtypes.result_type([(a.dtype, True) for a in avals])[0]


# ---------------------------------------------------------------------------------------
# Traces and the current-trace context


class _Context(threading.local):
    def __init__(self):
        self.trace = eval_trace
        # The source line of the IR equation being re-evaluated by ``eval_ir``, so that
        # IRs derived from it (JVP, batched, partial) keep the user's line.
        self.site = ""
        # How many transforms are running (run_in_trace frames): eager calls made while one
        # is (its rules at the eval trace) move the NumPy constants the traced function
        # captured to the device of its arrays; a user's own eager call (0) rejects them.
        self.transforms = 0
        # Inside ``fg.ensure_compile_time_eval()``: staging traces hand binds without their
        # own tracers to their parent, so concrete values are computed while tracing.
        self.compile_time_eval = False


class Trace:
    """Base class of interpreters. Subclasses implement ``process(prim, args, params)``."""

    transform_name = "trace"

    def __init__(self, parent: Trace | None = None, fun_name: str = "<function>"):
        self.parent = current_trace() if parent is None else parent
        self.level = self.parent.level + 1
        self.valid = True
        self.tag = next(_trace_tags)
        self.fun_name = fun_name
        self.site = user_site()

    def describe(self) -> str:
        return f"{self.transform_name} of `{self.fun_name}` applied at {self.site}"

    def own(self, x: Any) -> bool:
        """True if ``x`` is a tracer of this trace; raise if it is a leaked or inner tracer."""
        if isinstance(x, Tracer):
            if x._trace is self:
                return True
            if not x._trace.valid or x._trace.level >= self.level:
                raise_foreign_tracer(x, self, None)
        return False

    def bind_on_parent(self, prim: Primitive, args, params):
        """Apply ``prim`` on the parent trace: the fall-through of the stackless design.

        Callers have checked every operand with :meth:`own`, so when the parent is the eval
        trace no operand is a tracer and the impl can be called directly (the hot path of
        reverse mode under plain ``grad``).
        """
        parent = self.parent
        if parent is eval_trace:
            for a in args:
                if type(a) not in HOST_TYPES:  # device arrays: move captured constants
                    args = place_operands(prim.name, args, strict=False)
                    break
            try:
                return prim.impl(*args, **params)
            except Exception as err:
                raise_impl_error(prim, args, params, err)
        ctx = _context
        ctx.trace = parent
        try:
            return prim.bind(*args, **params)
        finally:
            ctx.trace = self

    def process(self, prim: Primitive, args: tuple, params: dict):
        raise NotImplementedError

    def __repr__(self):
        return f"<{type(self).__name__} level={self.level} tag={self.tag}>"


class EvalTrace(Trace):
    """The bottom trace: calls the primitive's eager implementation."""

    transform_name = "eager evaluation"

    def __init__(self):
        self.parent = None
        self.level = 0
        self.valid = True
        self.tag = 0
        self.fun_name = "<top level>"
        self.site = "<top level>"

    def process(self, prim, args, params):
        return prim.impl(*eager_operands(prim, args, strict=False), **params)


_trace_tags = itertools.count(1)
eval_trace = EvalTrace()
_context = _Context()


def current_trace() -> Trace:
    """Return the trace that ``bind`` currently dispatches to."""
    return _context.trace


def run_in_trace(trace: Trace, body: Callable[[], Any], retire: bool = True):
    """Call ``body()`` with ``trace`` current; restore the previous trace (and retire
    ``trace``) however ``body`` ends, a KeyboardInterrupt included.

    This is the one place a trace is entered. It is a function, not a context manager, on
    purpose: a ``with`` statement calls ``__exit__``, and CPython delivers a pending signal
    when that Python function starts, before its first line restores anything. Here the
    restoring stores are the first statements of ``finally`` blocks in this frame, and
    CPython checks for signals only at calls and backward jumps, never between unwinding into
    a ``finally`` and its first store. The outer ``finally`` repeats the restore so that an
    exception injected at any single line (tests/test_trace_faults.py does this at every
    line) still leaves the previous trace current.
    """
    ctx = _context
    prev, depth = ctx.trace, ctx.transforms
    try:
        try:
            ctx.trace, ctx.transforms = trace, depth + 1
            return body()
        finally:
            ctx.trace, ctx.transforms = prev, depth
            if retire:
                trace.valid = False
    finally:
        ctx.trace, ctx.transforms = prev, depth
        if retire:
            trace.valid = False


def raise_foreign_tracer(x: Tracer, trace: Trace, prim: Primitive | None):
    where = f" in `{prim.name}`" if prim is not None else ""
    origin = x._trace
    if not origin.valid:
        raise LeakedTracerError(
            f"Encountered a leaked tracer {x.aval.str_short()}{where}: it was created by the "
            f"{origin.describe()}, which has already returned. A tracer escaped that "
            "transform (stored in a global, an attribute or a returned closure). Return the "
            "value from the transformed function instead, or compute it outside the transform."
        )
    raise LeakedTracerError(
        f"Encountered a tracer {x.aval.str_short()}{where} from an inner transform "
        f"({origin.describe()}) while running the {trace.describe()}. Values must not cross "
        "from an inner transform to an outer one except as outputs of the inner function."
    )


# ---------------------------------------------------------------------------------------
# Tracers


class Tracer:
    """An array-like stand-in for a value being traced by a transform.

    Operators, ``.shape``, ``.T``, indexing and array methods are attached by
    ``fungrad.numpy`` (the core knows nothing about NumPy's API).
    """

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    @property
    def aval(self) -> ShapedArray:
        raise NotImplementedError

    def concrete_value(self):
        """Return the concrete value behind the tracer, or raise ConcretizationError."""
        raise ConcretizationError(self._concretization_message("a concrete value"))

    def _concretization_message(self, what: str) -> str:
        return (
            f"fungrad needed {what} of a traced value {self.aval.str_short()} inside the "
            f"{self._trace.describe()}, but its value is not known while tracing. "
            "Use fnp.where(cond, x, y) or lax.cond for value-dependent choices, or mark the "
            "argument static (static_argnums) if it is a configuration value."
        )

    @property
    def shape(self):
        return self.aval.shape

    @property
    def dtype(self):
        return self.aval.dtype

    @property
    def ndim(self):
        return len(self.aval.shape)

    @property
    def size(self):
        return self.aval.size

    @property
    def weak_type(self):
        return self.aval.weak_type

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of unsized object (a rank-0 traced value)")
        return self.aval.shape[0]

    def __iter__(self):
        if not self.aval.shape:
            raise TypeError("iteration over a rank-0 traced value")
        return (self[i] for i in range(self.aval.shape[0]))

    def __bool__(self):
        return bool(self._concrete_for("bool()"))

    def __float__(self):
        return float(self._scalar_for("float()"))

    def __int__(self):
        return int(self._concrete_for("int()"))

    def __complex__(self):
        return complex(self._scalar_for("complex()"))

    def __index__(self):
        if self.aval.dtype.kind not in "iu":
            raise TypeError(
                f"only integer traced values can be used as an index (operator.index, "
                f"range(), list indexing); got {self.aval.str_short()}. Convert with "
                "x.astype(int) first, or index arrays with fnp functions (fnp.take).")
        return int(self._concrete_for("an integer index (__index__)"))

    def _concrete_for(self, what: str):
        try:
            return self.concrete_value()
        except ConcretizationError as err:
            raise ConcretizationError(
                str(err).replace("a concrete value", f"a concrete value for {what}", 1)
            ) from None

    def _scalar_for(self, what: str):
        """The concrete value for a conversion to a Python/NumPy number (``float()``,
        ``math.sin``, ``np.float64``, ``.item()``), which must not drop a derivative."""
        self.check_no_derivative(what)
        try:
            return self._concrete_for(what)
        except ConcretizationError as err:
            raise ConcretizationError(f"{err} {_CONVERSION_FIX}") from None

    def check_no_derivative(self, what: str) -> None:
        """Raise if converting this value to a plain number would drop a derivative.

        Overridden by the JVP tracer; other tracers carry no derivative of their own.
        """

    def item(self):
        if self.aval.dtype.kind in "fc":
            return np.asarray(self._scalar_for("item()")).item()
        return np.asarray(self._concrete_for("item()")).item()

    def tolist(self):
        if self.aval.dtype.kind in "fc":
            return np.asarray(self._scalar_for("tolist()")).tolist()
        return np.asarray(self._concrete_for("tolist()")).tolist()

    def __array__(self, dtype=None, copy=None):
        if not self._trace.valid:
            raise_foreign_tracer(self, current_trace(), None)
        raise TracerArrayConversionError(
            f"Cannot convert a traced value {self.aval.str_short()} (inside the "
            f"{self._trace.describe()}) to a NumPy array. NumPy functions (np.sin, "
            "np.asarray...) see only concrete arrays; call fungrad.numpy (fnp.sin...) inside "
            "transformed functions so the transform can follow the computation."
        )

    # __array_ufunc__ and __array_function__ (np.sin(tracer), np.sum(tracer)) are installed
    # by fungrad.numpy (numpy_dispatch.py): the core knows nothing of NumPy's functions.

    def __hash__(self):
        raise TypeError(
            f"unhashable type: traced value {self.aval.str_short()}. Tracers cannot be dict "
            "keys or static arguments."
        )

    def __repr__(self):
        try:
            value = f" value={self.concrete_value()!r}"
        except Exception:
            value = ""
        return f"Tracer<{self.aval.str_short()}> in {self._trace.transform_name}{value}"


_CONVERSION_FIX = (
    "Use fungrad.numpy functions instead of Python/NumPy scalar functions (fnp.sin(x) for "
    "math.sin(x), x.astype(float) for float(x)), or apply fg.stop_gradient(x) first if "
    "dropping the derivative is intended."
)


def derivative_dropped_message(tracer: Tracer, what: str) -> str:
    """The error for converting a value that carries a derivative to a plain number."""
    return (
        f"{what} of a traced value {tracer.aval.str_short()} that carries a derivative "
        f"(inside the {tracer._trace.describe()}) would silently drop the derivative. "
        f"{_CONVERSION_FIX}"
    )


def concrete_or_none(x: Any):
    """Return the concrete value of ``x`` (itself if not a tracer), or None if unknown."""
    if not isinstance(x, Tracer):
        return x
    try:
        return x.concrete_value()
    except ConcretizationError:
        return None
