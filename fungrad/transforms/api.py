"""Pytree-level front ends of the transforms: flatten, transform the flat function, unflatten.

``grad``, ``value_and_grad``, ``vjp``, ``jvp`` and ``linearize`` mirror JAX's signatures.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fungrad import dtypes
from fungrad.array_module import constant_like
from fungrad.core import Tracer, get_aval
from fungrad.devices import check_one_device
from fungrad.interpreters.jvp import Zero, instantiate, jvp_flat, zeros_like_aval
from fungrad.interpreters.linearize import linearize_flat
from fungrad.numpy.array_type import as_outputs
from fungrad.transforms import leak_checks
from fungrad.tree_util import (
    keystr,
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
    structure (and, with ``has_aux``, the auxiliary output's structure)."""

    def __init__(self, fun, in_tree, has_aux: bool, transform: str):
        self.fun, self.in_tree, self.has_aux, self.transform = fun, in_tree, has_aux, transform
        self.out_tree = self.aux_tree = None
        self.num_out = 0

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
            aux_leaves, self.aux_tree = flatten_output(
                f"{self.transform} (has_aux: the aux part)", self.fun, aux)
        out_leaves, self.out_tree = flatten_output(self.transform, self.fun, out)
        self.num_out = len(out_leaves)
        return out_leaves + aux_leaves

    def split(self, outs):
        main = tree_unflatten(self.out_tree, outs[: self.num_out])
        if not self.has_aux:
            return main, None
        return main, tree_unflatten(self.aux_tree, outs[self.num_out:])


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
        if isinstance(leaf, Tracer):
            continue
        try:
            get_aval(leaf)
        except TypeError:
            path = next(p for p, x in tree_flatten_with_path(out)[0] if x is leaf)
            raise TypeError(
                f"{transform} of `{fun_name(fun)}`: output{keystr(path)} is a "
                f"{type(leaf).__name__} ({leaf!r:.60}), not an array. A transformed function "
                "must return arrays, Python scalars or pytrees of them; keep other values "
                "outside the transformed function (e.g. in a closure)."
            ) from None
    return leaves, tree


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
    """Flatten ``args`` (``fun``'s arguments at ``positions``, default all), check that
    they are arrays on one device, and return (leaves, treedef, leaves with key paths)."""
    with_paths, in_tree = tree_flatten_with_path(args)
    _check_arrays(transform, fun, args, with_paths)
    leaves = [leaf for _, leaf in with_paths]
    check_one_device(f"{transform} of `{fun_name(fun)}`", leaves,
                     lambda i: argument_name(fun, with_paths[i][0], positions))
    return leaves, in_tree, with_paths


def check_arguments_one_device(transform: str, fun, args) -> None:
    """Raise naming two arguments of ``fun(*args)`` that sit on different devices."""
    check_one_device(f"{transform} of `{fun_name(fun)}`", tree_leaves(args),
                     lambda i: argument_name(fun, tree_flatten_with_path(args)[0][i][0]))


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
    flat_p, in_tree, with_paths = _flatten_args("jvp", fun, tuple(primals))
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
    outs, touts = as_outputs(outs), as_outputs(touts)
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
    flat_p, in_tree, with_paths = _flatten_args("linearize", fun, primals)
    flat_fun = _FlatFun(fun, in_tree, has_aux, "linearize")
    marker = leak_checks.start()
    outs, lin = linearize_flat(flat_fun, flat_p, fun_name(fun), record_sites=True)
    leak_checks.finish(marker, "linearize", fun)
    out, aux = flat_fun.split(as_outputs(outs))
    out_tree = flat_fun.out_tree

    def f_jvp(*tangents):
        flat_t, t_tree = tree_flatten(tangents)
        if t_tree != in_tree:
            raise ValueError(f"linearize: f_jvp expects tangents with the structure of the "
                             f"primals.\n  primals:  {in_tree}\n  tangents: {t_tree}")
        flat_t = [_check_tangent(path, p, t, "linearize's f_jvp")
                  for (path, p), t in zip(with_paths, flat_t)]
        touts = lin.jvp([instantiate(t, p) for t, p in zip(flat_t, flat_p)])
        return tree_unflatten(out_tree, as_outputs(touts[: flat_fun.num_out]))

    return (out, f_jvp, aux) if has_aux else (out, f_jvp)


# ---------------------------------------------------------------------------------------
# vjp, grad, value_and_grad


def vjp(fun: Callable, *primals, has_aux: bool = False):
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
    return _vjp(fun, primals, has_aux, "vjp")


def _vjp(fun: Callable, primals, has_aux: bool, transform: str):
    """:func:`vjp`, with ``transform`` ("vjp", "grad") naming it in errors and tracers."""
    flat_p, in_tree, _ = _flatten_args(transform, fun, primals)
    flat_fun = _FlatFun(fun, in_tree, has_aux, transform)
    marker = leak_checks.start()
    outs, lin = linearize_flat(flat_fun, flat_p, fun_name(fun), transform)
    leak_checks.finish(marker, transform, fun)
    out, aux = flat_fun.split(as_outputs(outs))
    out_tree, num_out = flat_fun.out_tree, flat_fun.num_out
    out_avals = [get_aval(o) for o in outs[:num_out]]

    def vjp_fn(ct):
        ct_with_paths, ct_tree = tree_flatten_with_path(ct)
        if ct_tree != out_tree:
            raise ValueError(
                f"vjp of `{fun_name(fun)}`: the cotangent must have the structure of the "
                f"output.\n  output:    {out_tree}\n  cotangent: {ct_tree}"
            )
        cts = [_check_cotangent(path, c, a) for (path, c), a in zip(ct_with_paths, out_avals)]
        cts += [None] * (len(lin.out_avals) - num_out)  # aux outputs get no cotangent
        return tree_unflatten(in_tree, as_outputs(lin.transpose(cts)))

    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


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


def _check_scalar_output(transform, fun, out, holomorphic):
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
    check_output_dtypes(transform, fun, out, holomorphic)
    if not dtypes.is_inexact(aval.dtype):
        raise TypeError(
            f"{transform} of `{fun_name(fun)}` requires a real-valued float output, but the "
            f"function returned dtype {aval.dtype}."
        )


def value_and_grad(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False,
                   allow_int: bool = False) -> Callable:
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

    def value_and_grad_f(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "grad", fun)
        dyn_args = tuple(args[i] for i in nums)
        check_arguments_one_device("grad", fun, args)
        _flatten_args("grad", fun, dyn_args, nums)  # clear errors for non-array arguments
        _check_grad_inputs("grad", fun, dyn_args, nums, allow_int, holomorphic)

        partial_fun = partial_argnums(fun, args, nums, kwargs)
        results = _vjp(partial_fun, dyn_args, has_aux, "grad")
        out, pullback = results[0], results[1]
        _check_scalar_output("grad", fun, out, holomorphic)
        # the seed cotangent on the output's device (a host 1.0 would stay host through
        # broadcasts and meet the device residuals in a product)
        grads = pullback(constant_like(np.ones((), get_aval(out).dtype), out))
        grads = grads[0] if isinstance(argnums, (int, np.integer)) else grads
        return ((out, results[2]) if has_aux else out), grads

    value_and_grad_f.__name__ = f"value_and_grad({fun_name(fun)})"
    value_and_grad_f.__wrapped__ = fun
    return value_and_grad_f


def grad(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False,
         allow_int: bool = False) -> Callable:
    """Return a function computing the gradient of scalar-valued ``fun``.

    Same arguments as :func:`value_and_grad`; returns only the gradient (and ``aux`` as
    ``(grads, aux)`` with ``has_aux``).

    Example:
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> fg.grad(lambda x: fnp.sum(x ** 2))(fnp.array([1.0, 2.0])).tolist()
        [2.0, 4.0]
    """
    check_callable("grad", fun)
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
        flat, in_tree, _ = _flatten_args("make_ir", fun, tuple(dyn), positions)

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
