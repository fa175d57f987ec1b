"""``pure_callback``: call a Python function of NumPy arrays from transformed code.

The call is the primitive ``pure_callback``, whose impl runs the Python function on
concrete arrays: eagerly, at once; under ``jit``, when the compiled program runs (the IR
passes treat it as effectful, so it is neither folded at trace time nor dropped). Under
``vmap`` its batching rule follows ``vmap_method``:

- ``"sequential"`` (and ``"sequential_unrolled"``): one call per batch element;
- ``"expand_dims"``: one call; batched arguments carry the batch as their leading axis,
  unbatched ones a leading axis of size 1, and the callback must broadcast;
- ``"broadcast_all"``: one call with every argument broadcast to the full batch;
- ``"legacy_vectorized"``: one call; unbatched arguments are passed as they are.

It is not differentiable (as in JAX): wrap it in ``fg.custom_jvp``/``fg.custom_vjp``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from fungrad import lax
from fungrad.array_module import on_host
from fungrad.core import Primitive, ShapedArray
from fungrad.interpreters.batching import batching_rules, bdim_to_front
from fungrad.interpreters.jvp import jvp_rules
from fungrad.ir_passes import effectful
from fungrad.numpy.array_type import as_outputs
from fungrad.transforms.api import fun_name
from fungrad.tree_util import keystr, tree_flatten, tree_flatten_with_path, tree_unflatten

__all__ = ["pure_callback", "pure_callback_p"]

VMAP_METHODS = ("sequential", "sequential_unrolled", "expand_dims", "broadcast_all",
                "legacy_vectorized")

pure_callback_p = Primitive("pure_callback", multiple_results=True)
effectful.add(pure_callback_p)


class _FlatCallback:
    """``callback(*args, **kwargs)`` as a function of flat NumPy arrays returning a flat list
    (the results' structure checked against the declared one)."""

    def __init__(self, callback, in_tree, out_tree):
        self.callback, self.in_tree, self.out_tree = callback, in_tree, out_tree
        self.__name__ = fun_name(callback)

    def __call__(self, *flat):
        args, kwargs = tree_unflatten(self.in_tree, [np.asarray(x) for x in flat])
        result = self.callback(*args, **kwargs)
        leaves, tree = tree_flatten(result)
        if tree != self.out_tree:
            raise TypeError(
                f"pure_callback: `{self.__name__}` returned a result of structure {tree}, but "
                f"result_shape_dtypes has structure {self.out_tree}.")
        return leaves


def _pure_callback_impl(*args, callback, result_avals, vmap_method):
    batched = " (batched by vmap)" if isinstance(callback, _BatchedCallback) else ""
    outs = []
    for i, (x, aval) in enumerate(zip(callback(*args), result_avals)):
        x = np.asarray(x)
        if x.shape != aval.shape or x.dtype != aval.dtype:
            raise TypeError(
                f"pure_callback: `{callback.__name__}` returned {x.dtype}{list(x.shape)} as "
                f"result leaf {i}, but result_shape_dtypes declares "
                f"{aval.dtype}{list(aval.shape)}{batched}."
                " Return arrays of the declared shapes and dtypes (np.asarray(y, dtype)).")
        outs.append(x)
    return outs


def _result_avals(result_shape_dtypes) -> tuple[list[ShapedArray], Any]:
    pairs, out_tree = tree_flatten_with_path(result_shape_dtypes)
    avals = []
    for path, s in pairs:
        shape, dtype = getattr(s, "shape", None), getattr(s, "dtype", None)
        if shape is None or dtype is None:
            raise TypeError(
                f"pure_callback: result_shape_dtypes{keystr(path)} is a {type(s).__name__}; "
                "expected fg.ShapeDtypeStruct(shape, dtype) leaves (or arrays).")
        avals.append(ShapedArray(tuple(shape), np.dtype(dtype)))
    return avals, out_tree


def pure_callback(callback: Callable[..., Any], result_shape_dtypes: Any, *args: Any,
                  sharding: Any = None, vmap_method: str | None = None, **kwargs: Any):
    """Call the pure Python function ``callback(*args, **kwargs)`` on concrete NumPy arrays.

    Args:
      callback: a function of NumPy arrays without side effects (it may run any number of
        times, or not at all if its result is unused eagerly).
      result_shape_dtypes: a pytree of :class:`fungrad.ShapeDtypeStruct` describing the
        result; the callback must return exactly these shapes and dtypes.
      *args, **kwargs: pytrees of arrays passed to the callback (traced values allowed).
      sharding: accepted for JAX compatibility (one device).
      vmap_method: how ``vmap`` calls the callback (module docstring); None makes ``vmap``
        an error.

    Returns:
      The callback's result, as arrays with ``result_shape_dtypes``'s structure.

    >>> import numpy as np, fungrad as fg, fungrad.numpy as fnp
    >>> f = fg.jit(lambda x: fg.pure_callback(np.sin, fg.ShapeDtypeStruct((2,), np.float64), x))
    >>> f(fnp.zeros(2))
    Array([0., 0.])
    """
    if vmap_method not in (*VMAP_METHODS, None):
        raise ValueError(f"pure_callback: vmap_method must be one of {list(VMAP_METHODS)} or "
                         f"None; got {vmap_method!r}.")
    if not callable(callback):
        raise TypeError(f"pure_callback: callback must be callable, got a "
                        f"{type(callback).__name__}.")
    avals, out_tree = _result_avals(result_shape_dtypes)
    flat, in_tree = tree_flatten((args, kwargs))
    flat_callback = _FlatCallback(callback, in_tree, out_tree)
    outs = pure_callback_p.bind(*flat, callback=flat_callback, result_avals=tuple(avals),
                                vmap_method=vmap_method)
    return tree_unflatten(out_tree, as_outputs(outs))


# The callback sees NumPy arrays (as in JAX): device operands go to the host and back.
pure_callback_p.def_impl(on_host(_pure_callback_impl))
pure_callback_p.def_abstract_eval(
    lambda *avals, callback, result_avals, vmap_method: list(result_avals))


def _pure_callback_jvp(primals, tangents, *, callback, result_avals, vmap_method):
    raise ValueError(
        f"Pure callbacks do not support JVP: `{callback.__name__}` is called through "
        "fg.pure_callback, which cannot be differentiated (grad, jvp, vjp). Wrap it in "
        "fg.custom_jvp or fg.custom_vjp and give its derivative (another pure_callback).")


jvp_rules[pure_callback_p] = _pure_callback_jvp


class _BatchedCallback:
    """The callback of a batched ``pure_callback``: arguments with the batch at axis 0
    (or unbatched), results with the batch at axis 0."""

    def __init__(self, callback, batched, size, method):
        self.callback, self.batched, self.size, self.method = callback, batched, size, method
        self.__name__ = callback.__name__

    def __call__(self, *args):
        if self.method in ("sequential", "sequential_unrolled"):
            per_example = [self.callback(*[a[i] if b else a for a, b in zip(args, self.batched)])
                           for i in range(self.size)]
            return [np.stack(parts) for parts in zip(*per_example)]
        return self.callback(*args)


def _pure_callback_batch(vals, dims, *, callback, result_avals, vmap_method):
    if vmap_method is None:
        raise NotImplementedError(
            f"vmap of pure_callback `{callback.__name__}`: pass vmap_method= one of "
            f"{list(VMAP_METHODS)} to say how the callback handles a batch (vmap_method=None "
            "does not allow vmap, as in JAX).")
    size = next(v.shape[d] for v, d in zip(vals, dims) if d is not None)
    batched = [d is not None for d in dims]
    args = []
    for v, d in zip(vals, dims):
        if d is not None:
            args.append(bdim_to_front(v, d, size))
        elif vmap_method == "expand_dims":
            args.append(lax.expand_dims(v, (0,)))
        elif vmap_method == "broadcast_all":
            args.append(bdim_to_front(v, None, size))
        else:
            args.append(v)
    out_avals = tuple(a.update(shape=(size, *a.shape)) for a in result_avals)
    outs = pure_callback_p.bind(
        *args, callback=_BatchedCallback(callback, batched, size, vmap_method),
        result_avals=out_avals, vmap_method=vmap_method)
    return outs, [0] * len(outs)


batching_rules[pure_callback_p] = _pure_callback_batch
