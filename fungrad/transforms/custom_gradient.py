"""``custom_gradient``: a function that returns its value and its own VJP function.

Built on :class:`fungrad.custom_vjp`. The returned VJP function usually closes over values
of the forward pass (``x``, ``cos(x)``); :func:`fungrad.transforms.staging_api.closure_convert`
turns those captured floats into explicit residuals, so the custom gradient is correct
under ``jit`` and differentiable again (grad of grad), where a bare closure would hide its
captured tracers from the transforms.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from fungrad import dtypes
from fungrad.core import get_aval
from fungrad.errors import CustomRuleError
from fungrad.transforms.api import fun_name
from fungrad.transforms.custom_derivatives import custom_vjp
from fungrad.transforms.staging_api import ShapeDtypeStruct, closure_convert
from fungrad.tree_util import Partial, tree_map

__all__ = ["custom_gradient"]


def custom_gradient(fun: Callable) -> Callable:
    """Define a function and its reverse-mode derivative together.

    ``fun(*args)`` returns ``(value, vjp_fn)``; ``vjp_fn(ct)`` takes a cotangent with the
    structure of ``value`` and returns a tuple with one cotangent per positional argument
    (a bare cotangent is accepted when there is one argument). Forward mode (``jvp``) of
    the result is not defined, as in JAX.

    Args:
      fun: the function.

    Returns:
      A function computing ``value``, whose VJP is ``vjp_fn``.

    >>> import fungrad as fg, fungrad.numpy as fnp
    >>> @fg.custom_gradient
    ... def f(x):
    ...     return fnp.sin(x), lambda g: (g * 10.0,)
    >>> float(fg.grad(f)(0.3))
    10.0
    """

    def primal(*args):
        return _split(fun, fun(*args))[0]

    primal.__qualname__ = fun_name(fun)
    wrapped = custom_vjp(primal)

    def fwd(*args):
        value, vjp_fn = _split(fun, fun(*args))
        cts = tree_map(_cotangent_struct, value)
        converted, consts = closure_convert(lambda ct: _as_tuple(fun, vjp_fn(ct), len(args)),
                                            cts)
        return value, Partial(converted, *consts)

    def bwd(res, ct):
        return res.func(ct, *res.args)

    bwd.__qualname__ = f"vjp_fn of custom_gradient {fun_name(fun)}"
    wrapped.defvjp(fwd, bwd)

    @functools.wraps(fun)
    def call(*args, **kwargs):
        if kwargs:  # keyword arguments become positional, so each gets a cotangent
            bound = inspect.signature(fun).bind(*args, **kwargs)
            bound.apply_defaults()
            if bound.kwargs:
                raise TypeError(f"custom_gradient of `{fun_name(fun)}`: **kwargs parameters "
                                "are not supported; pass those values positionally.")
            args = bound.args
        return wrapped(*args)

    return call


def _split(fun, result):
    if not (isinstance(result, (tuple, list)) and len(result) == 2 and callable(result[1])):
        raise CustomRuleError(
            f"custom_gradient function `{fun_name(fun)}` must return a pair (value, vjp_fn) "
            f"with a callable vjp_fn; it returned {type(result).__name__}.")
    return result


def _as_tuple(fun, cts, num_args: int) -> tuple:
    if isinstance(cts, (tuple, list)):
        return tuple(cts)
    if num_args == 1:
        return (cts,)
    raise CustomRuleError(
        f"custom_gradient of `{fun_name(fun)}`: vjp_fn must return a tuple with one "
        f"cotangent per positional argument ({num_args}); it returned {type(cts).__name__}.")


def _cotangent_struct(x) -> ShapeDtypeStruct:
    aval = get_aval(x)
    return ShapeDtypeStruct(aval.shape, dtypes.tangent_dtype(aval.dtype))
