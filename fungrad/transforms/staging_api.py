"""Abstract evaluation and program views: ``eval_shape``, ``make_jaxpr``, ``closure_convert``.

All three stage the function into fungrad's IR (:func:`fungrad.ir.stage_flat`) on abstract
values only, so no array arithmetic runs. ``make_jaxpr`` returns a thin view of that IR
which prints in JAX's jaxpr text form and has JAX's attribute names (``.jaxpr``,
``.consts``, ``.in_avals``, ``.out_avals``, ``.eqns``); ``fg.make_ir`` prints the same IR
in fungrad's own form (with source lines on request).

``named_scope`` and ``named_call`` are accepted for JAX compatibility: fungrad's IR does
not record name stacks, so the names do not appear in printed programs.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from fungrad import core, dtypes
from fungrad.core import ShapedArray, Tracer, get_aval
from fungrad.ir import IR, IRPrinter, Literal, eval_ir, stage_flat
from fungrad.numpy.array_type import as_outputs
from fungrad.transforms import leak_checks
from fungrad.transforms.api import fun_name
from fungrad.tree_util import keystr, tree_flatten_with_path, tree_unflatten

__all__ = ["ShapeDtypeStruct", "eval_shape", "make_jaxpr", "ClosedJaxpr", "Jaxpr",
           "closure_convert", "named_scope", "named_call", "ensure_compile_time_eval",
           "typeof"]


class ShapeDtypeStruct:
    """A shape and a dtype standing for an array (JAX's ``ShapeDtypeStruct``).

    Pass it to :func:`eval_shape` or :func:`make_jaxpr` in place of an array; it is also
    what :func:`eval_shape` returns for each output.

    >>> import fungrad as fg
    >>> fg.ShapeDtypeStruct((2, 3), "float32")
    ShapeDtypeStruct(shape=(2, 3), dtype=float32)
    """

    __slots__ = ("shape", "dtype", "sharding", "weak_type")

    def __init__(self, shape, dtype, *, sharding=None, weak_type: bool = False,
                 manual_axis_type=None, is_ref: bool = False):
        try:
            self.shape = tuple(int(d) for d in shape)
        except TypeError:
            raise TypeError(f"ShapeDtypeStruct: shape must be a sequence of ints, got "
                            f"{shape!r:.40}.") from None
        if any(d < 0 for d in self.shape):
            raise ValueError(f"ShapeDtypeStruct: shape {self.shape} has a negative size.")
        if dtype is None:
            raise TypeError("ShapeDtypeStruct: dtype must be given (e.g. 'float32').")
        self.dtype = np.dtype(dtype)
        self.sharding = sharding
        self.weak_type = bool(weak_type)
        if is_ref:
            raise NotImplementedError("ShapeDtypeStruct: fungrad has no mutable array "
                                      "references (is_ref=True).")

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"

    def __eq__(self, other) -> bool:
        return (isinstance(other, ShapeDtypeStruct) and other.shape == self.shape
                and other.dtype == self.dtype and other.weak_type == self.weak_type)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))


def arg_aval(fn: str, path, x, what: str = "argument") -> ShapedArray:
    """The abstract value of an argument leaf: an array, scalar, tracer or ShapeDtypeStruct."""
    if isinstance(x, ShapeDtypeStruct):
        return ShapedArray(x.shape, x.dtype, x.weak_type)
    try:
        return get_aval(x)
    except TypeError:
        raise TypeError(
            f"{fn}: {what}{keystr(path)} is a {type(x).__name__} ({x!r:.40}), not an array,"
            " a scalar or a ShapeDtypeStruct. Pass other values through a closure or "
            "functools.partial (or static_argnums, for make_jaxpr).") from None


def _stage(fn: str, fun: Callable, args: tuple, kwargs: dict, statics=()):
    """Stage ``fun(*args, **kwargs)`` on abstract values; return ``(ir, out_tree)``.

    Positions in ``statics`` are passed through as they are (not traced).
    """
    dyn = tuple(a for i, a in enumerate(args) if i not in statics)
    pairs, in_tree = tree_flatten_with_path((dyn, kwargs))
    avals = [arg_aval(fn, path, x) for path, x in pairs]
    out_tree_box = []

    def flat_fun(*leaves):
        dyn_args, kw = tree_unflatten(in_tree, leaves)
        it = iter(dyn_args)
        full = [a if i in statics else next(it) for i, a in enumerate(args)]
        out_pairs, out_tree = tree_flatten_with_path(fun(*full, **kw))
        out_tree_box.append(out_tree)
        for path, leaf in out_pairs:
            if not isinstance(leaf, Tracer):
                arg_aval(fn, path, leaf, "output")
        return [leaf for _, leaf in out_pairs]

    marker = leak_checks.start()
    ir = stage_flat(flat_fun, avals, fun_name(fun), fn)
    leak_checks.finish(marker, fn, fun)
    return ir, out_tree_box[0]


def _structs(ir: IR, out_tree):
    return tree_unflatten(out_tree, [ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type)
                                     for a in ir.out_avals])


def eval_shape(fun: Callable, *args, **kwargs) -> Any:
    """Return the shapes and dtypes of ``fun(*args, **kwargs)`` without computing it.

    Args:
      fun: the function.
      *args, **kwargs: arrays, scalars or :class:`ShapeDtypeStruct` s (pytrees of them).

    Returns:
      A pytree of :class:`ShapeDtypeStruct` with the structure of ``fun``'s output.

    >>> import fungrad as fg, fungrad.numpy as fnp
    >>> fg.eval_shape(lambda x: fnp.ones((2, 1)) * x, fg.ShapeDtypeStruct((3,), "float32"))
    ShapeDtypeStruct(shape=(2, 3), dtype=float64)
    """
    ir, out_tree = _stage("eval_shape", fun, args, kwargs)
    return _structs(ir, out_tree)


# --- make_jaxpr: a JAX-shaped view of the IR ---------------------------------------------


class JaxprEqn:
    """One equation of a :class:`Jaxpr`: ``outvars = primitive[params] invars``."""

    __slots__ = ("primitive", "invars", "outvars", "params", "source_info")

    def __init__(self, eqn):
        self.primitive = eqn.prim
        self.invars = list(eqn.inputs)
        self.outvars = list(eqn.outputs)
        self.params = dict(eqn.params)
        self.source_info = eqn.site

    def __repr__(self) -> str:
        return f"JaxprEqn({self.primitive.name})"


class Jaxpr:
    """An IR viewed with JAX's names: ``constvars``, ``invars``, ``outvars``, ``eqns``."""

    def __init__(self, ir: IR):
        self.ir = ir

    @property
    def constvars(self) -> list:
        return list(self.ir.constvars)

    @property
    def invars(self) -> list:
        return list(self.ir.invars)

    @property
    def outvars(self) -> list:
        return list(self.ir.outvars)

    @property
    def eqns(self) -> list[JaxprEqn]:
        return [JaxprEqn(e) for e in self.ir.eqns]

    @property
    def in_avals(self) -> list[ShapedArray]:
        return self.ir.in_avals

    @property
    def out_avals(self) -> list[ShapedArray]:
        return self.ir.out_avals

    def __str__(self) -> str:
        return _JaxprPrinter(self.ir).render()

    __repr__ = __str__

    def pretty_print(self) -> str:
        return str(self)


class ClosedJaxpr:
    """What :func:`make_jaxpr` returns: a :class:`Jaxpr` and the constants it closes over.

    ``str()`` is JAX's text form, e.g. ``{ lambda ; a:f64[3]. let b:f64[3] = sin a in (b,) }``;
    calling it evaluates the program (``ClosedJaxpr(ir)(*flat_args)`` returns a list).
    """

    def __init__(self, ir: IR):
        self.ir = ir
        self.jaxpr = Jaxpr(ir)

    @property
    def consts(self) -> list:
        return list(self.ir.consts)

    @property
    def literals(self) -> list:
        return self.consts

    @property
    def in_avals(self) -> list[ShapedArray]:
        return self.ir.in_avals

    @property
    def out_avals(self) -> list[ShapedArray]:
        return self.ir.out_avals

    @property
    def eqns(self) -> list[JaxprEqn]:
        return self.jaxpr.eqns

    def __call__(self, *args) -> list:
        return eval_ir(self.ir, self.ir.consts, args)

    def __str__(self) -> str:
        return str(self.jaxpr)

    __repr__ = __str__

    def pretty_print(self) -> str:
        return str(self)


class _JaxprPrinter(IRPrinter):
    """Prints in JAX's jaxpr syntax: one line when it fits in 80 columns, else one
    equation per line. Types carry no weak-type mark (as JAX prints them)."""

    def typed(self, var) -> str:
        return f"{self.name(var)}:{var.aval.str_short().lstrip('~')}"

    def render(self) -> str:
        ir = self.ir
        consts = " ".join(self.typed(v) for v in ir.constvars)
        ins = " ".join(self.typed(v) for v in ir.invars)
        head = f"{{ lambda {consts + ' ' if consts else ''}; {ins}. let"
        eqns = [self._eqn(e) for e in ir.eqns]
        outs = [self._atom(v) for v in ir.outvars]
        tail = f"in ({outs[0]},) }}" if len(outs) == 1 else f"in ({', '.join(outs)}) }}"
        one_line = f"{head} {'; '.join(eqns)} {tail}"
        if len(one_line) <= 80 and not any("\n" in e for e in eqns):
            return one_line
        return "\n".join([head, *(f"    {e}" for e in eqns), f"  {tail}"])

    def _eqn(self, eqn) -> str:
        outs = " ".join(self.typed(v) for v in eqn.outputs)
        params = ""
        if eqn.params:
            items = []
            for k, v in sorted(eqn.params.items()):
                if isinstance(v, IR):
                    body = _JaxprPrinter(v).render().replace("\n", "\n      ")
                    items.append(f"{k}={body}")
                else:
                    items.append(f"{k}={_param_text(v)}")
            params = f"[{' '.join(items)}]" if len(items) == 1 else \
                "[\n      " + "\n      ".join(items) + "\n    ]"
        args = " ".join(self._atom(a) for a in eqn.inputs)
        return f"{outs + ' = ' if outs else ''}{eqn.prim.name}{params} {args}".rstrip()

    def _atom(self, atom) -> str:
        if isinstance(atom, Literal):
            return f"{atom!r}:{atom.aval.str_short().lstrip('~')}"
        return self.name(atom)


def _param_text(value) -> str:
    if isinstance(value, np.dtype):
        return value.name
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    if isinstance(value, tuple) and value and all(isinstance(v, IR) for v in value):
        return f"({len(value)} programs)"
    return str(value)


def _static_positions(static_argnums) -> tuple[int, ...]:
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    for n in nums:
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"make_jaxpr: static_argnums must be ints, got {n!r}.")
    return nums


def make_jaxpr(fun: Callable, static_argnums: int | Sequence[int] = (),
               axis_env: Sequence[tuple[Any, int]] | None = None,
               return_shape: bool = False) -> Callable:
    """Return a function that stages ``fun`` on its arguments and returns a :class:`ClosedJaxpr`.

    Args:
      fun: the function to stage.
      static_argnums: positions passed through as Python values (not traced).
      axis_env: accepted for JAX compatibility; fungrad has no collectives over named
        axes, so it must be None or empty.
      return_shape: also return the output's :class:`ShapeDtypeStruct` pytree.

    Returns:
      ``make_jaxpr(fun)(*args, **kwargs) -> ClosedJaxpr`` (or ``(ClosedJaxpr, shapes)``).

    >>> import fungrad as fg, fungrad.numpy as fnp
    >>> print(fg.make_jaxpr(fnp.sin)(fnp.ones(3)))
    { lambda ; a:f64[3]. let b:f64[3] = sin a in (b,) }
    """
    if axis_env:
        raise NotImplementedError("make_jaxpr: axis_env is not supported: fungrad has no "
                                  "collective operations over named axes (psum...).")
    statics = _static_positions(static_argnums)

    @functools.wraps(fun)
    def make_jaxpr_f(*args, **kwargs):
        positions = tuple(i + len(args) if i < 0 else i for i in statics)
        for i in positions:
            if not 0 <= i < len(args):
                raise ValueError(f"make_jaxpr of `{fun_name(fun)}`: static_argnums={i} is "
                                 f"out of range for {len(args)} positional arguments.")
        ir, out_tree = _stage("make_jaxpr", fun, args, kwargs, positions)
        closed = ClosedJaxpr(ir)
        return (closed, _structs(ir, out_tree)) if return_shape else closed

    return make_jaxpr_f


# --- closure_convert ------------------------------------------------------------------------


def closure_convert(fun: Callable, *example_args) -> tuple[Callable, list]:
    """Make the float values that ``fun`` closes over explicit arguments.

    ``fun`` is staged on the example arguments' shapes and dtypes; the inexact (float,
    complex) arrays and tracers it captures are returned as ``consts`` and the returned
    function takes them after the original arguments. Higher-order custom derivatives
    need this, since a closure's captured tracers are invisible to transforms.

    Args:
      fun: a function of arrays (pytrees allowed).
      *example_args: arrays or :class:`ShapeDtypeStruct` s, as ``fun`` will be called.

    Returns:
      ``(converted, consts)`` with ``converted(*args, *consts) == fun(*args)``.

    >>> import fungrad.numpy as fnp
    >>> w = fnp.array([2.0, 3.0])
    >>> f, consts = closure_convert(lambda x: x * w, fnp.ones(2))
    >>> f(fnp.ones(2), *consts), len(consts)
    (Array([2., 3.]), 1)
    """
    ir, out_tree = _stage("closure_convert", fun, example_args, {})
    hoist = [i for i, c in enumerate(ir.consts) if dtypes.is_inexact(get_aval(c).dtype)]
    hoisted_vars = [ir.constvars[i] for i in hoist]
    kept = [i for i in range(len(ir.consts)) if i not in hoist]
    closed = IR([ir.constvars[i] for i in kept], [ir.consts[i] for i in kept],
                list(ir.invars) + hoisted_vars, ir.eqns, ir.outvars)
    consts = [ir.consts[i] for i in hoist]
    in_tree = tree_flatten_with_path((tuple(example_args), {}))[1]
    num_in = len(ir.invars)

    def converted(*args_and_consts):
        args, extra = args_and_consts[:len(args_and_consts) - len(consts)], \
            args_and_consts[len(args_and_consts) - len(consts):]
        pairs, tree = tree_flatten_with_path((tuple(args), {}))
        if tree != in_tree or len(pairs) != num_in:
            raise ValueError(
                f"closure_convert of `{fun_name(fun)}`: the converted function expects the "
                f"example arguments' structure followed by {len(consts)} constants.\n"
                f"  expected: {in_tree}\n  got:      {tree}")
        outs = eval_ir(closed, closed.consts, [x for _, x in pairs] + list(extra))
        return tree_unflatten(out_tree, as_outputs(outs))

    converted.__qualname__ = f"closure_convert({fun_name(fun)})"
    return converted, consts


# --- name scopes -------------------------------------------------------------------------


@contextlib.contextmanager
def named_scope(name: str) -> Iterator[None]:
    """Context manager naming the operations inside it (accepted for JAX compatibility).

    fungrad's IR does not record name stacks, so the name does not appear in printed IRs;
    the name must still be a string, as in JAX.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> def f(x):
        ...     with fg.named_scope('layer1'):
        ...         return fnp.tanh(x)
        >>> fg.grad(f)(0.0)
        Array(1.)
    """
    if not isinstance(name, str):
        raise TypeError(f"named_scope: name must be a str, got {type(name).__name__} "
                        f"({name!r:.40}).")
    yield


def named_call(fun: Callable, *, name: str | None = None) -> Callable:
    """Return ``fun`` running inside :func:`named_scope` ``(name or fun.__name__)``.

    Example:
        >>> import fungrad as fg
        >>> fg.jit(fg.named_call(lambda x: x * 2, name='double'))(3.0)
        Array(6.)
    """
    scope = name if name is not None else getattr(fun, "__name__", "named_call")

    @functools.wraps(fun)
    def named(*args, **kwargs):
        with named_scope(scope):
            return fun(*args, **kwargs)

    return named


@contextlib.contextmanager
def ensure_compile_time_eval() -> Iterator[None]:
    """Inside this block, operations on concrete values run eagerly even while ``jit`` (or
    ``make_jaxpr``, ``eval_shape``) traces: their results are concrete arrays, usable in
    Python control flow, rather than staged values. Operations on traced arguments are
    staged as usual.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> @fg.jit
        ... def f(x):
        ...     with fg.ensure_compile_time_eval():
        ...         n = fnp.sum(np.arange(4.0))  # concrete: 6.0
        ...     return x * n if n > 5 else x
        >>> f(1.0).item()
        6.0
    """
    ctx = core._context
    previous = ctx.compile_time_eval
    ctx.compile_time_eval = True
    try:
        yield
    finally:
        ctx.compile_time_eval = previous


def typeof(x: Any) -> ShapedArray:
    """The abstract value of ``x`` (an array, a scalar or a tracer): its shape and dtype,
    as JAX's ``typeof`` (a ``ShapedArray``; Python scalars are weakly typed).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> fg.typeof(np.ones((2, 3), np.float32))
        ShapedArray(f32[2,3])
        >>> fg.typeof(1.0).weak_type
        True
    """
    try:
        return get_aval(x)
    except TypeError as err:
        raise TypeError(f"fg.typeof: {err}") from None
