"""Pytree-level front ends of the transforms: flatten, transform the flat function, unflatten.

``grad``, ``value_and_grad``, ``vjp``, ``jvp`` and ``linearize`` mirror JAX's signatures.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fungrad import dtypes
from fungrad.array_module import arrays_to, computation_device, constant_like
from fungrad.core import Tracer, get_aval
from fungrad.devices import check_one_device
from fungrad.interpreters.jvp import Zero, instantiate, jvp_flat, zeros_like_aval
from fungrad.interpreters.linearize import LinearFunction, linearize_flat
from fungrad.ir import IR
from fungrad.numpy.array_type import as_outputs
from fungrad.transforms import leak_checks
from fungrad.tree_util import (
    keystr,
    register_pytree_node,
    tree_flatten,
    tree_flatten_with_path,
    tree_leaves,
    tree_unflatten,
)

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "stop_gradient", "fun_name"]


def fun_name(fun: Callable) -> str:
    """Return a readable name of a user function for error messages."""
    return getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None) or repr(fun)


class _FlatFun:
    """Wraps ``fun(*args) -> pytree`` as ``flat(*leaves) -> leaves``, recording the output
    structure (and, with ``has_aux``, the auxiliary output's structure).

    Aux leaves that are not arrays (strings, objects: metadata a loss reports) are not
    outputs of the flat function: they are kept aside and put back by :meth:`split`, as
    JAX's eager ``grad``/``vjp`` return them unchanged. Under ``jit`` such a value still
    fails at jit's own output check."""

    def __init__(self, fun, in_tree, has_aux: bool, transform: str):
        self.fun, self.in_tree, self.has_aux, self.transform = fun, in_tree, has_aux, transform
        self.out_tree = self.aux_tree = None
        self.num_out = 0
        self.aux_opaque: dict[int, Any] = {}  # position among aux leaves -> non-array value

    def __call__(self, *leaves):
        args = tree_unflatten(self.in_tree, leaves)
        out = self.fun(*args)
        aux_leaves = []
        if self.has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(
                    f"{self.transform} of `{fun_name(self.fun)}` with has_aux=True expects the "
                    f"function to return a pair (output, aux); it returned {type(out).__name__}."
                )
            out, aux = out
            aux_leaves, self.aux_tree = tree_flatten(aux)
            self.aux_opaque = {i: x for i, x in enumerate(aux_leaves) if not _is_array_leaf(x)}
            if self.aux_opaque:
                aux_leaves = [x for i, x in enumerate(aux_leaves) if i not in self.aux_opaque]
        out_leaves, self.out_tree = flatten_output(self.transform, self.fun, out)
        self.num_out = len(out_leaves)
        return out_leaves + aux_leaves

    def split(self, outs):
        main = tree_unflatten(self.out_tree, outs[: self.num_out])
        if not self.has_aux:
            return main, None
        aux = list(outs[self.num_out:])
        for i, x in sorted(self.aux_opaque.items()):
            aux.insert(i, x)
        return main, tree_unflatten(self.aux_tree, aux)


def check_callable(transform: str, fun) -> None:
    """Raise unless ``fun`` can be called (JAX: "Expected a callable value")."""
    if not callable(fun):
        raise TypeError(
            f"{transform}: expected a function to transform, got {fun!r:.60} (type "
            f"{type(fun).__name__}). Pass the function itself, e.g. {transform}(f), not its "
            "result f(x).")


def flatten_output(transform: str, fun, out):
    """``tree_flatten(out)``; raise naming the transform and the output's key path if a
    leaf is not an array (a string, an object, a None inside a list...)."""
    leaves, tree = tree_flatten(out)
    for leaf in leaves:
        if not _is_array_leaf(leaf):
            _raise_bad_output(transform, fun, out, leaf)
    return leaves, tree


_SCALAR_TYPES = (bool, int, float, complex)


def _is_array_leaf(leaf) -> bool:
    """Whether ``leaf`` is an array, a tracer or a scalar: the common types are recognised
    without building an abstract value (this runs on every argument and output)."""
    if type(leaf) is np.ndarray or type(leaf) in _SCALAR_TYPES or isinstance(leaf, Tracer):
        return True
    try:
        get_aval(leaf)
    except TypeError:
        return False
    return True


def _raise_bad_output(transform: str, fun, out, leaf):
    path = next(p for p, x in tree_flatten_with_path(out)[0] if x is leaf)
    raise TypeError(
        f"{transform} of `{fun_name(fun)}`: output{keystr(path)} is a "
        f"{type(leaf).__name__} ({leaf!r:.60}), not an array. A transformed function "
        "must return arrays, Python scalars or pytrees of them; keep other values "
        "outside the transformed function (e.g. in a closure)."
    )


def _check_arrays(transform: str, fun, tree, leaves_with_paths) -> None:
    for path, leaf in leaves_with_paths:
        try:
            get_aval(leaf)
        except TypeError:
            raise TypeError(
                f"{transform} of `{fun_name(fun)}`: argument{keystr(path)} is a "
                f"{type(leaf).__name__} ({leaf!r:.60}), not an array. Arguments must be arrays, "
                "Python scalars or pytrees of them; pass other values through a closure or "
                "functools.partial."
            ) from None


def _flatten_args(transform: str, fun, args, positions: Sequence[int] | None = None):
    """Flatten ``args`` (``fun``'s arguments at ``positions``, default all); raise naming
    the key path of a leaf that is not an array, or of two leaves on different devices."""
    leaves, in_tree = tree_flatten(args)
    for leaf in leaves:
        if not _is_array_leaf(leaf):
            _check_arrays(transform, fun, args, tree_flatten_with_path(args)[0])
    check_one_device(lambda: f"{transform} of `{fun_name(fun)}`", leaves,
                     lambda i: argument_name(fun, tree_flatten_with_path(args)[0][i][0],
                                             positions))
    return leaves, in_tree


def check_arguments_one_device(transform: str, fun, args) -> None:
    """Raise naming two arguments of ``fun(*args)`` that sit on different devices."""
    check_one_device(lambda: f"{transform} of `{fun_name(fun)}`", tree_leaves(args),
                     lambda i: argument_name(fun, tree_flatten_with_path(args)[0][i][0]))


def _flatten_args_with_paths(transform: str, fun, args):
    """:func:`_flatten_args`, also returning the ``(key path, leaf)`` pairs (for the
    tangent checks of jvp and linearize)."""
    with_paths, in_tree = tree_flatten_with_path(args)
    _check_arrays(transform, fun, args, with_paths)
    leaves = [leaf for _, leaf in with_paths]
    check_one_device(lambda: f"{transform} of `{fun_name(fun)}`", leaves,
                     lambda i: argument_name(fun, with_paths[i][0]))
    return leaves, in_tree, with_paths


def argument_name(fun, path, positions: Sequence[int] | None = None) -> str:
    """``argument `params['w']```: a leaf of ``fun``'s positional arguments by key path
    (``path[0]`` indexes the arguments, or ``positions`` when only some were flattened),
    named after the parameter where the signature has one."""
    index = getattr(path[0], "idx", None) if path else None
    if index is None:
        return f"argument{keystr(path)}"
    index = positions[index] if positions is not None else index
    try:
        params = [p.name for p in inspect.signature(fun).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    label = params[index] if index < len(params) else f"args[{index}]"
    return f"argument `{label}{keystr(path[1:])}`"


# ---------------------------------------------------------------------------------------
# jvp and linearize


def jvp(fun: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False):
    """Evaluate ``fun`` at ``primals`` and its derivative in direction ``tangents``.

    Args:
        fun: function of arrays (pytrees allowed) returning arrays.
        primals: tuple/list of arguments.
        tangents: same structure, shapes and dtypes as ``primals`` (float0 for int inputs).
        has_aux: ``fun`` returns ``(out, aux)``; aux is returned undifferentiated.

    Returns:
        ``(primal_out, tangent_out)`` (plus ``aux`` with ``has_aux``).

    Example:
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> [float(v) for v in fg.jvp(fnp.sin, (0.0,), (2.0,))]
        [0.0, 2.0]
    """
    check_callable("jvp", fun)
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "jvp: primals and tangents must be tuples or lists of arguments, e.g. "
            f"jvp(f, (x,), (t,)); got {type(primals).__name__} and {type(tangents).__name__}."
        )
    flat_p, in_tree, with_paths = _flatten_args_with_paths("jvp", fun, tuple(primals))
    flat_t, t_tree = tree_flatten(tuple(tangents))
    if t_tree != in_tree:
        raise ValueError(
            f"jvp of `{fun_name(fun)}`: tangents must have the structure of primals.\n"
            f"  primals:  {in_tree}\n  tangents: {t_tree}"
        )
    tangents_in = [_check_tangent(path, p, t) for (path, p), t in zip(with_paths, flat_t)]
    flat_fun = _FlatFun(fun, in_tree, has_aux, "jvp")
    marker = leak_checks.start()
    outs, touts = jvp_flat(flat_fun, flat_p, tangents_in, fun_name(fun))
    leak_checks.finish(marker, "jvp", fun)
    touts = [zeros_like_aval(t.aval) if isinstance(t, Zero) else t for t in touts]
    device = computation_device(flat_p) or computation_device(tangents_in)
    outs, touts = as_outputs(arrays_to(outs, device)), as_outputs(arrays_to(touts, device))
    out, aux = flat_fun.split(outs)
    tout, _ = flat_fun.split(touts)
    return (out, tout, aux) if has_aux else (out, tout)


def _check_tangent(path, primal, tangent, where: str = "jvp"):
    p_aval = get_aval(primal)
    try:
        t_aval = get_aval(tangent)
    except TypeError:
        raise TypeError(
            f"{where}: tangent{keystr(path)} is a {type(tangent).__name__} "
            f"({tangent!r:.40}), not an array; pass an array of the primal's shape "
            f"{p_aval.shape} and dtype {dtypes.tangent_dtype(p_aval.dtype)}.") from None
    expected = dtypes.tangent_dtype(p_aval.dtype)
    if p_aval.shape != t_aval.shape:
        raise ValueError(
            f"{where}: tangent{keystr(path)} has shape {t_aval.shape} but its primal has shape "
            f"{p_aval.shape}; they must match."
        )
    if dtypes.is_float0(expected):
        if not dtypes.is_float0(t_aval.dtype):
            raise TypeError(
                f"{where}: tangent{keystr(path)} has dtype {t_aval.dtype} but its primal has "
                f"dtype {p_aval.dtype}, whose tangents have the expected dtype float0 (integer "
                "and boolean values have no derivative). Pass "
                "np.zeros(shape, fg.float0) as its tangent, or make the primal a float "
                "(x.astype(float)) to differentiate with respect to it.")
        return Zero(p_aval.update(dtype=expected, weak_type=False))
    if t_aval.dtype != expected and not t_aval.weak_type:
        raise TypeError(
            f"{where}: tangent{keystr(path)} has dtype {t_aval.dtype} but its primal has dtype "
            f"{p_aval.dtype}; tangent dtypes must equal primal dtypes (float0 for ints)."
        )
    return np.asarray(tangent, expected) if t_aval.dtype != expected else tangent


def linearize(fun: Callable, *primals, has_aux: bool = False):
    """Return ``fun(*primals)`` and its JVP as a function of the tangents alone.

    The primal computation runs once; calling the returned ``f_jvp(*tangents)`` evaluates
    only the (staged) linear part. ``fg.make_ir(f_jvp, sites=True)(*tangents)`` prints
    that linear program with the source line of each equation.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> y, f_jvp = fg.linearize(fnp.sin, 0.0)
        >>> y, f_jvp(2.0)
        (Array(0.), Array(2.))
    """
    check_callable("linearize", fun)
    flat_p, in_tree, with_paths = _flatten_args_with_paths("linearize", fun, primals)
    flat_fun = _FlatFun(fun, in_tree, has_aux, "linearize")
    marker = leak_checks.start()
    outs, lin = linearize_flat(flat_fun, flat_p, fun_name(fun), record_sites=True)
    leak_checks.finish(marker, "linearize", fun)
    outs = arrays_to(outs, computation_device(flat_p))
    out, aux = flat_fun.split(as_outputs(outs))
    push = _PushForward(fun_name(fun), lin, in_tree, [path for path, _ in with_paths],
                        flat_fun.out_tree, flat_fun.num_out)
    f_jvp = LinearizedFunction(push, [lin.ir.consts, list(flat_p)])
    return (out, f_jvp, aux) if has_aux else (out, f_jvp)


class _PushForward:
    """What a :class:`LinearizedFunction` computes, without its values (the residuals and
    the primals): the linear program's structure and the tangents' structure."""

    __slots__ = ("name", "lin", "in_tree", "paths", "out_tree", "num_out")

    def __init__(self, name: str, lin: LinearFunction, in_tree, paths, out_tree, num_out):
        self.name, self.lin, self.in_tree, self.paths = name, lin, in_tree, paths
        self.out_tree, self.num_out = out_tree, num_out

    def __call__(self, values: list, *tangents):
        consts, flat_p = values
        flat_t, t_tree = tree_flatten(tangents)
        if t_tree != self.in_tree:
            raise ValueError(f"linearize: f_jvp expects tangents with the structure of the "
                             f"primals.\n  primals:  {self.in_tree}\n  tangents: {t_tree}")
        flat_t = [_check_tangent(path, p, t, "linearize's f_jvp")
                  for path, p, t in zip(self.paths, flat_p, flat_t)]
        lin = self.lin
        if consts is not lin.ir.consts:  # rebuilt from leaves: the same program, new values
            ir = lin.ir
            lin = LinearFunction(IR(ir.constvars, consts, ir.invars, ir.eqns, ir.outvars),
                                 lin.in_avals, lin.out_avals)
        touts = lin.jvp([instantiate(t, p) for t, p in zip(flat_t, flat_p)])
        return tree_unflatten(self.out_tree, as_outputs(touts[: self.num_out]))


class LinearizedFunction:
    """The ``f_jvp`` :func:`linearize` returns: ``f_jvp(*tangents)`` evaluates the linear
    map. As in JAX, a pytree (its leaves: the residuals and the primals it was linearized
    at), so it can be returned from and passed to ``jit``."""

    __slots__ = ("_push", "_values")

    def __init__(self, push: _PushForward, values: list):
        self._push, self._values = push, values

    def __call__(self, *tangents):
        return self._push(self._values, *tangents)

    def __repr__(self) -> str:
        return f"<linearized jvp of `{self._push.name}`>"


register_pytree_node(LinearizedFunction, lambda f: (f._values, f._push),
                     lambda push, values: LinearizedFunction(push, [list(v) for v in values]))


# ---------------------------------------------------------------------------------------
# vjp, grad, value_and_grad


def vjp(fun: Callable, *primals, has_aux: bool = False, reduce_axes=()):
    """Evaluate ``fun`` and return a function that pulls cotangents back to the inputs.

    Returns:
        ``(primal_out, vjp_fn)`` (plus ``aux`` with ``has_aux``); ``vjp_fn(ct)`` returns a
        tuple with one cotangent per primal argument. Integer inputs get float0 cotangents.

    Example:
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> y, pullback = fg.vjp(fnp.sin, 0.0)
        >>> [float(c) for c in pullback(1.0)]
        [1.0]
    """
    check_callable("vjp", fun)
    _no_reduce_axes("vjp", reduce_axes)
    return _vjp(fun, primals, has_aux, "vjp")


def _no_reduce_axes(transform: str, reduce_axes) -> None:
    # JAX removed the feature and keeps the parameter only to reject it; so does fungrad.
    if reduce_axes:
        raise NotImplementedError(f"{transform}: reduce_axes is not supported (JAX deprecated "
                                  "and removed it); sum the result over those axes instead.")


def _vjp(fun: Callable, primals, has_aux: bool, transform: str):
    """:func:`vjp`, with ``transform`` ("vjp", "grad") naming it in errors and tracers."""
    flat_p, in_tree = _flatten_args(transform, fun, primals)
    lin = _Linearized(fun, flat_p, in_tree, has_aux, transform)
    out_tree, num_out = lin.flat_fun.out_tree, lin.flat_fun.num_out
    out_avals = [get_aval(o) for o in lin.outs[:num_out]]
    # The tangent dtype a cotangent may have to pass unchecked (None: float0, which the
    # checks turn into a symbolic zero).
    expected = [None if dtypes.is_float0(d) else d
                for d in (dtypes.tangent_dtype(a.dtype) for a in out_avals)]

    pull = _PullBack(fun_name(fun), lin, out_tree, out_avals, expected)
    vjp_fn = VJPFunction(pull, lin.lin.ir.consts)
    return (lin.out, vjp_fn, lin.aux) if has_aux else (lin.out, vjp_fn)


class _PullBack:
    """What a :class:`VJPFunction` computes, without its residuals: the linear program's
    structure, the output structure its cotangents must have and the input structure of
    its result. Shared by every copy of the function rebuilt from leaves (``jit`` outputs,
    ``tree_map``), so their tree structures are equal."""

    __slots__ = ("name", "lin", "ir", "out_tree", "out_avals", "expected")

    def __init__(self, name: str, lin: _Linearized, out_tree, out_avals, expected):
        self.name, self.lin, self.ir = name, lin, lin.lin.ir
        self.out_tree, self.out_avals, self.expected = out_tree, out_avals, expected

    def __call__(self, consts: list, ct):
        ct_leaves, ct_tree = tree_flatten(ct)
        if ct_tree != self.out_tree:
            raise ValueError(
                f"vjp of `{self.name}`: the cotangent must have the structure of the "
                f"output.\n  output:    {self.out_tree}\n  cotangent: {ct_tree}"
            )
        cts = list(ct_leaves)
        for i, (c, a, dtype) in enumerate(zip(ct_leaves, self.out_avals, self.expected)):
            # Arrays of the output's shape and tangent dtype pass as they are; anything else
            # (scalars, other dtypes, errors) takes the checks that know the key path.
            if not (type(c) is np.ndarray and dtype is not None and c.shape == a.shape
                    and c.dtype == dtype):
                cts[i] = _check_cotangent(tree_flatten_with_path(ct)[0][i][0], c, a)
        lin = self.lin
        if consts is not self.ir.consts:  # rebuilt from leaves: the same program, new values
            ir = self.ir
            linear = LinearFunction(IR(ir.constvars, consts, ir.invars, ir.eqns, ir.outvars),
                                    lin.lin.in_avals, lin.lin.out_avals)
            lin = _Linearized.__new__(_Linearized)
            lin.lin, lin.in_tree = linear, self.lin.in_tree
        return lin.pull_back(cts)


class VJPFunction:
    """The function :func:`vjp` returns: ``vjp_fn(ct)`` pulls output cotangents back to the
    inputs. As in JAX, it is a pytree whose leaves are the residuals (the values the
    backward pass reads), so it can be returned from ``jit``, passed to a jitted function
    (``fg.jit(lambda f, ct: f(ct))(vjp_fn, ct)``) and kept in ``custom_vjp`` residuals.
    """

    __slots__ = ("_pull", "_consts")

    def __init__(self, pull: _PullBack, consts: list):
        self._pull, self._consts = pull, consts

    def __call__(self, ct):
        return self._pull(self._consts, ct)

    def __repr__(self) -> str:
        return f"<vjp function of `{self._pull.name}` ({len(self._consts)} residuals)>"


register_pytree_node(VJPFunction, lambda f: (f._consts, f._pull),
                     lambda pull, consts: VJPFunction(pull, list(consts)))


class _Linearized:
    """``fun`` linearized at flat primals for reverse mode: its outputs (``out``, ``aux``,
    the flat ``outs``) and :meth:`pull_back`, which maps output cotangents to the gradient
    pytree."""

    def __init__(self, fun: Callable, flat_p, in_tree, has_aux: bool, transform: str):
        self.flat_fun = flat_fun = _FlatFun(fun, in_tree, has_aux, transform)
        self.in_tree = in_tree
        marker = leak_checks.start()
        outs, self.lin = linearize_flat(flat_fun, flat_p, fun_name(fun), transform)
        leak_checks.finish(marker, transform, fun)
        self.outs = arrays_to(outs, computation_device(flat_p))
        self.out, self.aux = flat_fun.split(as_outputs(self.outs))

    def pull_back(self, cts: list):
        """The gradient pytree for flat cotangents of the main outputs (None: zero)."""
        cts = cts + [None] * (len(self.lin.out_avals) - len(cts))  # aux: no cotangent
        return tree_unflatten(self.in_tree, as_outputs(self.lin.transpose(cts)))


def _check_cotangent(path, ct, aval):
    try:
        ct_aval = get_aval(ct)
    except TypeError:
        raise TypeError(
            f"vjp: cotangent{keystr(path)} is a {type(ct).__name__} ({ct!r:.40}), not an "
            f"array; pass an array of the output's shape {aval.shape}.") from None
    if ct_aval.shape != aval.shape:
        raise ValueError(
            f"vjp: cotangent{keystr(path)} has shape {ct_aval.shape} but the output it "
            f"belongs to has shape {aval.shape}."
        )
    expected = dtypes.tangent_dtype(aval.dtype)
    if dtypes.is_float0(expected):
        return None
    if ct_aval.dtype != expected:
        from fungrad.lax import convert_element_type  # noqa: PLC0415

        return convert_element_type(ct, expected)
    return ct


def partial_argnums(fun: Callable, args, nums, kwargs) -> Callable:
    """``fun`` as a function of the arguments at positions ``nums`` (the rest fixed)."""

    def partial_fun(*dyn):
        full = list(args)
        for i, x in zip(nums, dyn):
            full[i] = x
        return fun(*full, **kwargs)

    partial_fun.__qualname__ = fun_name(fun)
    return partial_fun


def _argnums_tuple(argnums, num_args: int, transform: str, fun) -> tuple[int, ...]:
    if isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool):
        nums = (argnums,)
    elif isinstance(argnums, (tuple, list)):
        nums = tuple(argnums)
    else:
        nums = None
    if nums is None or not nums or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in nums):
        raise TypeError(
            f"{transform} of `{fun_name(fun)}`: argnums must be an int or a non-empty tuple of "
            f"ints (positions of the arguments to differentiate), got {argnums!r}."
            f"{_argnums_hint(fun, argnums)}")
    for n in nums:
        if not -num_args <= n < num_args:
            raise ValueError(
                f"{transform} of `{fun_name(fun)}`: argnums={argnums!r} is out of range for "
                f"a call with {num_args} positional arguments."
            )
    normal = tuple(int(n) % num_args for n in nums)
    if len(set(normal)) != len(normal):
        raise ValueError(
            f"{transform} of `{fun_name(fun)}`: argnums={argnums!r} names an argument more "
            "than once. List each argument once (a repeated argument's derivative would be "
            "the same).")
    return normal


def _argnums_hint(fun, argnums) -> str:
    """Suggest the position of a parameter named by a string given as ``argnums``."""
    names = [argnums] if isinstance(argnums, str) else [
        a for a in argnums if isinstance(a, str)] if isinstance(argnums, (tuple, list)) else []
    if not names:
        return ""
    try:
        params = list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        params = []
    positions = [params.index(n) for n in names if n in params]
    if len(positions) == len(names):
        pos = positions[0] if isinstance(argnums, str) else tuple(positions)
        return f" To differentiate by name, give the position: argnums={pos!r}."
    return (" grad has no argnames (as in JAX): pass the argument positionally and give its "
            "position in argnums.")


def _check_grad_inputs(transform, fun, dyn_args, argnums, allow_int, holomorphic,
                       complex_ok: bool = True):
    """Input dtypes as JAX checks them: complex ones with ``holomorphic``, float (and, where
    ``complex_ok``, complex) ones without; integers only with ``allow_int``."""
    for path, leaf in tree_flatten_with_path(dyn_args)[0]:
        dtype = get_aval(leaf).dtype
        name = f"argument {argnums[path[0].idx]}{keystr(path[1:])}"
        if holomorphic:
            if dtype.kind == "c":
                continue
            raise TypeError(
                f"{transform} of `{fun_name(fun)}` with holomorphic=True requires inputs with "
                f"complex dtype, but got {dtype} ({name}). Pass complex inputs (e.g. "
                "x.astype(complex)) or drop holomorphic=True.")
        if dtypes.is_floating(dtype) or (dtype.kind == "c" and complex_ok):
            continue
        if dtype.kind == "c":
            raise TypeError(
                f"{transform} of `{fun_name(fun)}` requires real-valued inputs (input dtype that "
                f"is a sub-dtype of np.floating), but got {dtype} ({name}). For holomorphic "
                "differentiation, pass holomorphic=True. For differentiation of non-holomorphic "
                "functions involving complex inputs, use fg.jvp directly.")
        if dtype.kind in "biu" and allow_int:
            continue
        raise TypeError(
            f"{transform} of `{fun_name(fun)}` requires real- or complex-valued inputs (float "
            f"dtypes) to differentiate with respect to; {name} has dtype {dtype}. Pass a float "
            "array (e.g. x.astype(float)), exclude it from argnums, or use allow_int=True to get "
            "float0 (zero) gradients for integer inputs."
        )


def _plain_grad_inputs(leaves, allow_int: bool, holomorphic: bool) -> bool:
    """Whether every leaf is an array, tracer or float that :func:`_check_grad_inputs`
    accepts, told from its dtype without key paths (False: run the full checks)."""
    for leaf in leaves:
        if isinstance(leaf, np.ndarray):
            kind = leaf.dtype.kind
        elif isinstance(leaf, Tracer):
            kind = leaf.aval.dtype.kind
        elif type(leaf) is float:
            kind = "f"
        else:
            return False
        if not (kind == "c" if holomorphic else kind in "fc" or (allow_int and kind in "biu")):
            return False
    return True


def check_output_dtypes(transform: str, fun, out, holomorphic: bool) -> None:
    """Raise JAX's TypeErrors for complex outputs without ``holomorphic`` and for real
    outputs with it (reverse mode pulls back real cotangents unless holomorphic)."""
    for path, leaf in tree_flatten_with_path(out)[0]:
        dtype = get_aval(leaf).dtype
        where = f"output{keystr(path)}" if path else "the output"
        if holomorphic and dtype.kind != "c":
            raise TypeError(
                f"{transform} of `{fun_name(fun)}` with holomorphic=True requires outputs with "
                f"complex dtype, but got {dtype} ({where}). Drop holomorphic=True for "
                "real-valued functions.")
        if not holomorphic and dtype.kind == "c":
            raise TypeError(
                f"{transform} of `{fun_name(fun)}` requires real-valued outputs (output dtype "
                f"that is a sub-dtype of np.floating), but got {dtype} ({where}). For "
                "holomorphic differentiation, pass holomorphic=True. For differentiation of "
                "non-holomorphic functions involving complex outputs, use fg.vjp directly "
                "(or differentiate fnp.real / fnp.imag of the output).")


def _check_scalar_output(transform, fun, out, holomorphic) -> np.dtype:
    """Raise unless ``out`` is a scalar float (complex with ``holomorphic``); return its
    dtype."""
    if out is None:
        raise TypeError(
            f"{transform} of `{fun_name(fun)}` requires a scalar output, but the function "
            "returned None (is a `return` missing?).")
    aval = get_aval(out) if not isinstance(out, (tuple, list, dict)) else None
    if aval is None or aval.shape != ():
        what = f"shape {aval.shape}" if aval is not None else f"a {type(out).__name__}"
        aux = (" If it returns (loss, aux), pass has_aux=True."
               if isinstance(out, (tuple, list)) and len(out) == 2 else "")
        raise TypeError(
            f"{transform} of `{fun_name(fun)}` requires a scalar output, but the function "
            f"returned {what}. Reduce it to a scalar (e.g. .sum()), or use fg.vjp / fg.jacrev "
            f"for non-scalar outputs.{aux}"
        )
    if (aval.dtype.kind == "c") != holomorphic or not isinstance(out, (np.ndarray, Tracer)):
        check_output_dtypes(transform, fun, out, holomorphic)  # raises naming the output
    if not dtypes.is_inexact(aval.dtype):
        raise TypeError(
            f"{transform} of `{fun_name(fun)}` requires a real-valued float output, but the "
            f"function returned dtype {aval.dtype}."
        )
    return aval.dtype


def value_and_grad(fun: Callable, argnums=0, has_aux: bool = False,  # noqa: PLR0917 (JAX's)
                   holomorphic: bool = False, allow_int: bool = False,
                   reduce_axes=()) -> Callable:
    """Return a function computing ``fun``'s value and its gradient w.r.t. ``argnums``.

    Args:
        fun: function returning a scalar float (with ``has_aux``, a pair ``(scalar, aux)``).
        argnums: an int or tuple of ints: which positional arguments to differentiate.
        has_aux: whether ``fun`` returns auxiliary data alongside the scalar.
        holomorphic: ``fun`` is holomorphic, with complex inputs and a complex output;
            the gradient is then ``df/dz``. Without it, complex inputs are allowed with a
            real output and the gradient is JAX's ``df/dx - i df/dy`` for ``z = x + iy``
            (e.g. ``grad(abs)(z) == conj(z) / abs(z)``).
        allow_int: integer inputs are allowed and get float0 gradients.
        reduce_axes: only ``()``, as in JAX, which removed the feature.

    Returns:
        ``f(*args) -> (value, grads)`` or ``((value, aux), grads)``; ``grads`` matches the
        structure of the selected argument (a tuple of them when argnums is a tuple).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> fg.value_and_grad(lambda x: fnp.sum(x ** 2))(np.array([1.0, 2.0]))
        (Array(5.), Array([2., 4.]))
        >>> fg.value_and_grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 3.0)
        (Array(6.), (Array(3.), Array(2.)))
    """
    check_callable("value_and_grad", fun)
    _no_reduce_axes("value_and_grad", reduce_axes)
    nums_for: dict[int, tuple[int, ...]] = {}  # argnums normalised, per number of arguments

    def value_and_grad_f(*args, **kwargs):
        nums = nums_for.get(len(args))
        if nums is None:
            nums = nums_for[len(args)] = _argnums_tuple(argnums, len(args), "grad", fun)
        dyn_args = tuple(args[i] for i in nums)
        check_arguments_one_device("grad", fun, args)
        flat, in_tree = tree_flatten(dyn_args)
        if not _plain_grad_inputs(flat, allow_int, holomorphic):
            # Something unusual or wrong: the checks that name the argument's key path.
            _flatten_args("grad", fun, dyn_args)
            _check_grad_inputs("grad", fun, dyn_args, nums, allow_int, holomorphic)

        partial_fun = partial_argnums(fun, args, nums, kwargs)
        lin = _Linearized(partial_fun, flat, in_tree, has_aux, "grad")
        out = lin.out
        dtype = _check_scalar_output("grad", fun, out, holomorphic)
        # The cotangent is a one of the output's dtype: it needs none of vjp_fn's checks.
        # It is made on the output's device (a host 1.0 would stay host through broadcasts
        # and meet the device residuals in a product).
        grads = lin.pull_back([constant_like(np.ones((), dtype), out)])
        grads = grads[0] if isinstance(argnums, (int, np.integer)) else grads
        return ((out, lin.aux) if has_aux else out), grads

    value_and_grad_f.__name__ = f"value_and_grad({fun_name(fun)})"
    value_and_grad_f.__wrapped__ = fun
    return value_and_grad_f


def grad(fun: Callable, argnums=0, has_aux: bool = False,  # noqa: PLR0917 (JAX's)
         holomorphic: bool = False, allow_int: bool = False, reduce_axes=()) -> Callable:
    """Return a function computing the gradient of scalar-valued ``fun``.

    Same arguments as :func:`value_and_grad`; returns only the gradient (and ``aux`` as
    ``(grads, aux)`` with ``has_aux``).

    Example:
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> fg.grad(lambda x: fnp.sum(x ** 2))(fnp.array([1.0, 2.0])).tolist()
        [2.0, 4.0]
    """
    check_callable("grad", fun)
    _no_reduce_axes("grad", reduce_axes)
    vg = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

    def grad_f(*args, **kwargs):
        (value, grads) = vg(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    grad_f.__name__ = f"grad({fun_name(fun)})"
    grad_f.__wrapped__ = fun
    return grad_f


def stop_gradient(x: Any) -> Any:
    """Return ``x`` (a pytree) unchanged but with zero derivatives under every transform.

    Example:
        >>> import fungrad as fg
        >>> fg.grad(lambda x: x * fg.stop_gradient(x))(3.0)
        Array(3.)
    """
    from fungrad.lax import stop_gradient as stop  # noqa: PLC0415
    from fungrad.tree_util import tree_map  # noqa: PLC0415

    return tree_map(stop, x)


def make_ir(fun: Callable, static_argnums=(), sites: bool = False) -> Callable:
    """Return a function that traces ``fun`` on example arguments and returns its IR.

    With ``sites=True`` the printed IR ends each equation with the user's source line
    (``file:line (function)``); equations of a backward pass (``make_ir(fg.grad(f))``) are
    marked ``backward pass`` and show the line whose derivative they compute.

    Example:
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> print(fg.make_ir(lambda x: fnp.sin(x) * 2.0)(1.0))  # doctest: +NORMALIZE_WHITESPACE
        { lambda  ; a:~f64[] . let
            b:~f64[] = sin a
            c:~f64[] = mul b 2.0
          in (c,) }
    """
    from fungrad.ir import stage_flat  # noqa: PLC0415

    statics = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    def make_ir_f(*args):
        dyn = [a for i, a in enumerate(args) if i not in statics]
        positions = [i for i in range(len(args)) if i not in statics]
        flat, in_tree = _flatten_args("make_ir", fun, tuple(dyn), positions)

        def flat_fun(*leaves):
            it = iter(tree_unflatten(in_tree, leaves))
            full = [a if i in statics else next(it) for i, a in enumerate(args)]
            return tree_flatten(fun(*full))[0]

        marker = leak_checks.start()
        ir = stage_flat(flat_fun, [get_aval(x) for x in flat], fun_name(fun), "make_ir")
        leak_checks.finish(marker, "make_ir", fun)
        ir.show_sites = sites
        return ir

    return make_ir_f
