"""``fwd_and_bwd``: a function's forward and backward passes as two functions, as JAX's.

``fwd(*args)`` runs ``vjp`` over the arguments at ``argnums`` and returns the output with
the residuals: the :class:`~fungrad.transforms.api.VJPFunction` ``vjp`` made, a pytree of
the values the backward pass reads. ``bwd(residuals, ct)`` calls it. Both are jitted by
default (``jitted=True``): ``fwd``'s cached trace hands back residuals of one tree
structure every call, so ``bwd`` compiles once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fungrad.transforms.api import (
    _argnums_tuple,
    check_callable,
    fun_name,
    partial_argnums,
    vjp,
)
from fungrad.transforms.jit import jit

__all__ = ["fwd_and_bwd"]


def fwd_and_bwd(fun: Callable, argnums: int | Sequence[int], has_aux: bool = False,
                jitted: bool = True) -> tuple[Callable, Callable]:
    """Return ``(fwd, bwd)``: ``fun``'s forward pass keeping residuals, and its backward pass.

    Args:
        fun: the function to differentiate.
        argnums: an int or a sequence of ints: the positional arguments to differentiate.
        has_aux: ``fun`` returns ``(output, aux)``; ``fwd`` then returns ``aux`` third.
        jitted: return ``jit(fwd)`` and ``jit(bwd)`` (the default, as JAX).

    Returns:
        ``fwd(*args) -> (out, residuals)`` (``(out, residuals, aux)`` with ``has_aux``) and
        ``bwd(residuals, ct)``, the cotangent of the argument at ``argnums`` (a tuple of them
        when ``argnums`` is a sequence).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> fwd, bwd = fg.fwd_and_bwd(lambda x, w: x @ w, argnums=(0, 1))
        >>> y, res = fwd(np.ones((2, 2)), np.eye(2))
        >>> [c.tolist() for c in bwd(res, np.ones((2, 2)))]
        [[[1.0, 1.0], [1.0, 1.0]], [[2.0, 2.0], [2.0, 2.0]]]
    """
    check_callable("fwd_and_bwd", fun)
    single = not isinstance(argnums, (tuple, list))

    def fwd(*args):
        nums = _argnums_tuple(argnums, len(args), "fwd_and_bwd", fun)
        partial = partial_argnums(fun, args, nums, {})
        return vjp(partial, *(args[i] for i in nums), has_aux=has_aux)

    def bwd(residuals, ct):
        cts = residuals(ct)
        return cts[0] if single else cts

    fwd.__qualname__ = f"fwd_and_bwd({fun_name(fun)}).fwd"
    bwd.__qualname__ = f"fwd_and_bwd({fun_name(fun)}).bwd"
    return (jit(fwd), jit(bwd)) if jitted else (fwd, bwd)
