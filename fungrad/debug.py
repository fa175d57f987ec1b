"""``fg.debug``: print values and call back into Python from inside transformed functions.

``debug.callback(fn, *args)`` binds ``debug_callback``, a primitive with no results whose
only effect is to call ``fn`` with concrete values. Each transform keeps that effect:

- eagerly, ``fn`` is called at once;
- under ``jit`` the call is staged into the program and happens every time it runs (the
  IR passes treat the primitive as effectful: no dead-code elimination, folding or CSE);
- under ``grad``/``jvp``/``vjp`` ``fn`` sees the primal values, once (tangents are not
  passed, as in JAX);
- under ``vmap`` ``fn`` is called once per example with that example's values, in order
  (JAX unrolls the same way).

``fn`` receives NumPy arrays (CuPy arrays on the GPU); pytree arguments keep their structure
and arguments that are not arrays (strings, None...) are passed through unchanged.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from fungrad import lax
from fungrad.array_module import to_host
from fungrad.core import Primitive, Tracer
from fungrad.interpreters.batching import batch_size, batching_rules
from fungrad.interpreters.jvp import jvp_rules
from fungrad.ir_passes import effectful
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["callback", "print", "debug_callback_p"]

debug_callback_p = Primitive("debug_callback", multiple_results=True)


class _Callback:
    """The user's function and how to rebuild its arguments from the primitive's operands.

    Hashed by identity: every ``debug.callback`` call is a distinct effect.
    """

    __slots__ = ("fn", "tree", "static", "label")

    def __init__(self, fn: Callable, tree, static: dict[int, Any], label: str):
        self.fn = fn
        self.tree = tree
        self.static = static  # leaf position -> non-array leaf, passed through as is
        self.label = label

    def __call__(self, operands) -> None:
        it = iter(np.asarray(x) if _is_python_scalar(x) else x for x in operands)
        leaves = [self.static[i] if i in self.static else next(it)
                  for i in range(self.tree.num_leaves)]
        args, kwargs = tree_unflatten(self.tree, leaves)
        self.fn(*args, **kwargs)

    def __repr__(self):
        return self.label


def _is_python_scalar(x) -> bool:
    return type(x) in (bool, int, float, complex)


def _is_value(x) -> bool:
    """True for what becomes an operand: arrays, tracers and Python numbers."""
    return isinstance(x, Tracer) or _is_python_scalar(x) or (
        hasattr(x, "shape") and hasattr(x, "dtype"))


def _debug_callback_impl(*operands, callback):
    callback([to_host(x) for x in operands])  # the user's function sees NumPy values
    return []


def _debug_callback_jvp(primals, tangents, *, callback):
    debug_callback_p.bind(*primals, callback=callback)
    return [], []


def _debug_callback_batch(vals, dims, *, callback):
    for i in range(batch_size(vals, dims)):
        example = [v if d is None else lax.squeeze(lax.slice_in_dim(v, i, i + 1, axis=d), (d,))
                   for v, d in zip(vals, dims)]
        debug_callback_p.bind(*example, callback=callback)
    return [], []


debug_callback_p.def_impl(_debug_callback_impl)
debug_callback_p.def_abstract_eval(lambda *avals, callback: [])
jvp_rules[debug_callback_p] = _debug_callback_jvp
batching_rules[debug_callback_p] = _debug_callback_batch
effectful.add(debug_callback_p)


def callback(callback: Callable[..., Any], *args: Any, ordered: bool = False,
             **kwargs: Any) -> None:
    """Call ``callback(*args, **kwargs)`` with concrete values, also under jit/vmap/grad.

    Args:
        callback: a Python function; its return value is ignored.
        *args, **kwargs: pytrees of arrays (and of static values, passed through).
        ordered: accepted for JAX compatibility; callbacks always run in program order.

    Example:
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> seen = []
        >>> f = fg.jit(lambda x: (fg.debug.callback(seen.append, x), x * 2.0)[1])
        >>> _ = f(fnp.ones(2)); _ = f(fnp.zeros(2))
        >>> [s.tolist() for s in seen]
        [[1.0, 1.0], [0.0, 0.0]]
    """
    if not callable(callback):
        raise TypeError(f"debug.callback: `callback` must be callable; got "
                        f"{type(callback).__name__} {callback!r:.40}.")
    _bind(callback, args, kwargs, getattr(callback, "__name__", type(callback).__name__))


def _bind(fn: Callable, args, kwargs, label: str) -> None:
    leaves, tree = tree_flatten((args, kwargs))
    static = {i: x for i, x in enumerate(leaves) if not _is_value(x)}
    cb = _Callback(fn, tree, static, label)
    debug_callback_p.bind(*[x for i, x in enumerate(leaves) if i not in static], callback=cb)


def print(fmt: str, *args: Any, ordered: bool = False, **kwargs: Any) -> None:  # noqa: A001
    """Print ``fmt.format(*args, **kwargs)`` with concrete values, also under jit/vmap/grad.

    Like ``jax.debug.print``: under ``jit`` it prints every time the compiled function
    runs (a Python ``print`` would show tracers, once, while tracing); under ``vmap`` it
    prints once per example.

    Example:
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> _ = fg.jit(lambda x: (fg.debug.print("x = {x}", x=x), x)[1])(fnp.arange(3.0))
        x = [0. 1. 2.]
    """
    if not isinstance(fmt, str):
        raise TypeError(f"debug.print: `fmt` must be a format string such as 'x={{x}}'; got "
                        f"{type(fmt).__name__}.")

    def format_and_print(*values, **named):
        try:
            text = fmt.format(*values, **named)
        except (KeyError, IndexError) as err:
            raise ValueError(
                f"debug.print: the format {fmt!r} refers to {err}, which was not passed "
                f"({len(values)} positional values, keywords {sorted(named)}). Pass it, e.g. "
                "fg.debug.print('x = {x}', x=x).") from None
        builtins.print(text)

    _bind(format_and_print, args, kwargs, f"print {fmt!r}")
