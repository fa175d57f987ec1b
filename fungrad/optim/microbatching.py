"""Microbatching (optax.microbatching): evaluate a function over slices of a batch one at a
time and combine the results, to bound peak memory.

`microbatch(fun, argnums, microbatch_size, accumulator)` splits the batch arguments into
``batch // microbatch_size`` microbatches, runs `fun` on each in a `fungrad.lax.fori_loop`
and combines the outputs as the `accumulator` says (an `AccumulationType`, an
`Accumulator`, or a pytree of them, a prefix of the output's structure). As in optax,
microbatch ``i`` holds the rows ``i, i + n, i + 2n, ...`` (``n`` microbatches: a
column-major split), and CONCAT puts the rows back in their original order.
`micro_vmap` is `fungrad.vmap` run microbatch by microbatch; `micro_grad` gives
per-example gradients, transformed and combined.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.transforms.api import value_and_grad
from fungrad.transforms.staging_api import eval_shape
from fungrad.transforms.vmap_api import vmap
from fungrad.tree_util import tree_flatten, tree_leaves, tree_map

__all__ = [
    "AccumulationType",
    "Accumulator",
    "reshape_batch_axis",
    "microbatch",
    "micro_vmap",
    "micro_grad",
]

IndividualOutputs = collections.namedtuple("Aux", ["values", "metrics", "aux"])


@dataclasses.dataclass(frozen=True)
class Accumulator:
    """How to combine the outputs of the microbatches: the loop

    ``carry = init(shape_of_one_output); carry = update(carry, out_i, i) for each i;
    result = finalize(carry)``, and ``aggregate(stacked_outputs)`` for `micro_vmap`'s
    per-microbatch reduction.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> import fungrad.numpy as fnp
        >>> maximum = optim.microbatching.Accumulator(
        ...     init=lambda s: fnp.full(s.shape, -np.inf), update=lambda c, v, i: fnp.maximum(c, v),
        ...     finalize=lambda c: c, aggregate=lambda v: fnp.max(v, axis=0))
        >>> f = optim.microbatch(lambda x: fnp.max(x), 0, 2, maximum)
        >>> float(f(np.array([3.0, 1.0, 7.0, 2.0])))
        7.0
    """

    init: Callable[[Any], Any]
    update: Callable[[Any, Any, Any], Any]
    finalize: Callable[[Any], Any]
    aggregate: Callable[[Any], Any]


class AccumulationType(enum.Enum):
    """The built-in ways to combine microbatch outputs.

    MEAN and RUNNING_MEAN need floating-point outputs; CONCAT joins them along axis 0
    (in the rows' original order).

    Example:
        >>> from fungrad import optim
        >>> [t.name for t in optim.microbatching.AccumulationType]
        ['MEAN', 'SUM', 'RUNNING_MEAN', 'CONCAT']
    """

    MEAN = enum.auto()
    SUM = enum.auto()
    RUNNING_MEAN = enum.auto()
    CONCAT = enum.auto()


def _floating_only(kind: str, fn: Callable) -> Callable:
    def checked(x):
        dtype = np.dtype(fnp.result_type(x))
        if not np.issubdtype(dtype, np.floating):
            raise ValueError(
                f"microbatch: the {kind} accumulator needs floating-point outputs, got an "
                f"output of dtype {dtype}; use AccumulationType.SUM (or cast the output).")
        return fn(x)
    return checked


def _leafwise(acc: Accumulator) -> Accumulator:
    """An accumulator of arrays applied to each leaf of a pytree."""
    return Accumulator(
        lambda value: tree_map(acc.init, value),
        lambda carry, value, i: tree_map(lambda c, v: acc.update(c, v, i), carry, value),
        lambda carry: tree_map(acc.finalize, carry),
        lambda values: tree_map(acc.aggregate, values),
    )


def _zeros(spec):
    return fnp.zeros(spec.shape, spec.dtype)


def _builtin(kind: AccumulationType, num_microbatches: int) -> Accumulator:
    def add(c, v, _):
        return c + v

    def same(c):
        return c

    if kind is AccumulationType.SUM:
        return _leafwise(Accumulator(_zeros, add, same, lambda v: fnp.sum(v, axis=0)))
    if kind in (AccumulationType.MEAN, AccumulationType.CONCAT) and num_microbatches <= 0:
        raise ValueError(f"microbatch: num_microbatches={num_microbatches} must be positive.")
    if kind is AccumulationType.MEAN:
        return _leafwise(Accumulator(_floating_only("MEAN", _zeros), add,
                                     lambda c: c / num_microbatches,
                                     lambda v: fnp.mean(v, axis=0)))
    if kind is AccumulationType.RUNNING_MEAN:
        def running(c, v, i):
            keep = i / (i + 1)
            return c * keep + v * (1 - keep)
        return _leafwise(Accumulator(_floating_only("RUNNING_MEAN", _zeros), running, same,
                                     lambda v: fnp.mean(v, axis=0)))

    def init(spec):
        return fnp.zeros((num_microbatches, *spec.shape), spec.dtype)

    def update(c, v, i):
        return c.at[i].set(v)

    def finalize(c):  # (microbatch, row, ...) -> the rows in their original order
        return fnp.reshape(fnp.swapaxes(c, 0, 1), (-1, *fnp.shape(c)[2:]))

    return _leafwise(Accumulator(init, update, finalize, same))


def _canonical(tree: Any, num_microbatches: int) -> Accumulator:
    def one(acc):
        if isinstance(acc, Accumulator):
            return acc
        if isinstance(acc, AccumulationType):
            return _builtin(acc, num_microbatches)
        raise ValueError(
            f"microbatch: unknown accumulator {acc!r:.60}; use an AccumulationType "
            "(SUM, MEAN, RUNNING_MEAN, CONCAT), an Accumulator, or a pytree of them.")

    accs, treedef = tree_flatten(
        tree, is_leaf=lambda x: isinstance(x, Accumulator | AccumulationType))
    accs = [one(a) for a in accs]

    def over(fn, *trees):  # `tree` is a prefix of each of `trees`, as in optax
        parts = [treedef.flatten_up_to(t) for t in trees]
        return treedef.unflatten([fn(a, *p) for a, *p in zip(accs, *parts, strict=True)])

    return Accumulator(
        lambda values: over(lambda a, v: a.init(v), values),
        lambda carry, value, i: over(lambda a, c, v: a.update(c, v, i), carry, value),
        lambda carry: over(lambda a, c: a.finalize(c), carry),
        lambda values: over(lambda a, v: a.aggregate(v), values),
    )


def reshape_batch_axis(tree: Any, microbatch_size: int, axis: int = 0) -> Any:
    """Split the batch axis of every leaf into ``(num_microbatches, microbatch_size)``.

    Column-major, as optax's: microbatch ``i`` holds the rows ``i, i + n, i + 2n, ...``
    where ``n = batch // microbatch_size``.

    Args:
      tree: a pytree of arrays with a batch axis.
      microbatch_size: the rows per microbatch (must divide the batch size).
      axis: the batch axis.

    Returns:
      The pytree with each leaf's `axis` replaced by two axes.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.microbatching.reshape_batch_axis(np.arange(6), 2).tolist()
        [[0, 3], [1, 4], [2, 5]]
    """
    def split(x):
        shape = fnp.shape(x)
        if shape[axis] % microbatch_size:
            raise ValueError(
                f"reshape_batch_axis: the batch axis {axis} of a leaf of shape {shape} has "
                f"{shape[axis]} rows, not a multiple of microbatch_size={microbatch_size}.")
        rows = fnp.reshape(x, (*shape[:axis], microbatch_size, -1, *shape[axis + 1:]))
        return fnp.swapaxes(rows, axis, axis + 1)

    return tree_map(split, tree)


def _as_tuple(x: Any) -> tuple:
    return (x,) if isinstance(x, int | str) else tuple(x)


def microbatch(fun: Callable[..., Any], argnums: int | Sequence[int],
               microbatch_size: int | None, accumulator: Any = AccumulationType.SUM, *,
               argnames: str | Sequence[str] = (), in_axes: int | Sequence[int] = 0,
               num_real_microbatches: Any = None) -> Callable[..., Any]:
    """`fun` evaluated one microbatch at a time, its outputs combined by `accumulator`.

    Args:
      fun: any function.
      argnums: the positions of the arguments that have a batch axis.
      microbatch_size: the rows per microbatch (it must divide the batch size); None
        returns `fun` itself.
      accumulator: an `AccumulationType`, an `Accumulator` or a pytree of them (a prefix
        of the output's structure).
      argnames: the keyword arguments that have a batch axis.
      in_axes: the batch axis of each of ``argnums + argnames`` (an int: all of them).
      num_real_microbatches: stop after this many microbatches (the others are padding);
        None: all of them.

    Returns:
      A function with `fun`'s arguments.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> import fungrad.numpy as fnp
        >>> fun = lambda x: (x + 1, fnp.sum(3 * x))
        >>> kind = optim.microbatching.AccumulationType
        >>> f = optim.microbatch(fun, argnums=0, microbatch_size=2,
        ...                      accumulator=(kind.CONCAT, kind.SUM))
        >>> out = f(np.array([1, 2, 3, 4]))
        >>> out[0].tolist(), int(out[1])
        ([2, 3, 4, 5], 30)
    """
    if microbatch_size is None:
        return fun
    argnums, argnames = _as_tuple(argnums), _as_tuple(argnames)
    axes = ((in_axes,) * (len(argnums) + len(argnames)) if isinstance(in_axes, int)
            else tuple(in_axes))
    if len(axes) != len(argnums) + len(argnames):
        raise ValueError(
            f"microbatch: in_axes={in_axes} has {len(axes)} entries but argnums={argnums} "
            f"and argnames={argnames} name {len(argnums) + len(argnames)} arguments.")

    def batched(*args, **kwargs):
        chosen = [args[i] for i in argnums] + [kwargs[n] for n in argnames]
        sizes = [fnp.shape(leaf)[ax] for ax, sub in zip(axes, chosen, strict=True)
                 for leaf in tree_leaves(sub)]
        if len(set(sizes)) > 1:
            raise ValueError(f"microbatch: the batch arguments have batch axes of different "
                             f"sizes {sizes}; they must be equal.")
        if not sizes:
            raise ValueError(f"microbatch: argnums={argnums} and argnames={argnames} name "
                             "no arrays with a batch axis.")
        if sizes[0] % microbatch_size:
            raise ValueError(f"microbatch: batch_size={sizes[0]} must be divisible by "
                             f"microbatch_size={microbatch_size}.")
        count = sizes[0] // microbatch_size
        acc = _canonical(accumulator, count)
        split_args, split_kwargs = list(args), dict(kwargs)
        for i, ax in zip(argnums, axes, strict=False):
            split_args[i] = reshape_batch_axis(args[i], microbatch_size, ax)
        for n, ax in zip(argnames, axes[len(argnums):], strict=True):
            split_kwargs[n] = reshape_batch_axis(kwargs[n], microbatch_size, ax)

        def one(index):
            a, k = list(split_args), dict(split_kwargs)
            for i, ax in zip(argnums, axes, strict=False):
                a[i] = tree_map(lambda x, ax=ax: fnp.take(x, index, axis=ax), a[i])
            for n, ax in zip(argnames, axes[len(argnums):], strict=True):
                k[n] = tree_map(lambda x, ax=ax: fnp.take(x, index, axis=ax), k[n])
            return fun(*a, **k)

        stop = count if num_real_microbatches is None else num_real_microbatches
        carry = acc.init(eval_shape(one, np.int32(0)))
        return acc.finalize(lax.fori_loop(0, stop, lambda i, c: acc.update(c, one(i), i),
                                          carry))

    return batched


def micro_vmap(fun: Callable[..., Any], in_axes: int | Sequence[int | None] = 0,
               out_axes: Any = 0, *, microbatch_size: int | None = None,
               vmap_fn: Callable = vmap, accumulator: Any = AccumulationType.CONCAT,
               num_real_microbatches: Any = None) -> Callable[..., Any]:
    """`fungrad.vmap` run one microbatch at a time (bounded memory for big batches).

    With the default CONCAT the result is ``vmap(fun, in_axes)(*args)``; SUM or MEAN
    reduce over the batch axis instead of keeping it.

    Args:
      fun: the function to map.
      in_axes: the mapped axis of each positional argument (None: not mapped).
      out_axes: must be 0.
      microbatch_size: the rows per microbatch (None: one vmap over the whole batch).
      vmap_fn: the vectorizing transform (`fungrad.vmap` or one with its signature).
      accumulator: what to do with the batch axis of the outputs (see `microbatch`).
      num_real_microbatches: as in `microbatch`.

    Returns:
      The mapped function (keyword arguments are mapped along axis 0).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.microbatching.micro_vmap(lambda x: x ** 2, microbatch_size=2)(
        ...     np.arange(6)).tolist()
        [0, 1, 4, 9, 16, 25]
    """
    if out_axes != 0:
        raise NotImplementedError(f"micro_vmap: out_axes must be 0, got {out_axes!r}.")
    in_axes = (in_axes,) if isinstance(in_axes, int) else tuple(in_axes)

    def mapped(*args, kwargs):
        out = vmap_fn(fun, in_axes, out_axes)(*args, **kwargs)
        rows = fnp.shape(tree_leaves(out)[0])[0]
        return _canonical(accumulator, rows).aggregate(out)

    run = microbatch(
        mapped, argnums=tuple(i for i, ax in enumerate(in_axes) if ax is not None),
        argnames="kwargs", microbatch_size=microbatch_size, accumulator=accumulator,
        in_axes=tuple(ax for ax in in_axes if ax is not None) + (0,),
        num_real_microbatches=num_real_microbatches)

    def wrapped(*args, **kwargs):
        return run(*args, kwargs=kwargs)

    return wrapped


def micro_grad(fun: Callable[..., Any], has_aux: bool = False,
               argnums: int | Sequence[int] = 0, *,
               batch_argnums: int | Sequence[int] = 1, keep_batch_dim: bool = True,
               microbatch_size: int | None = None, accumulator: Any = AccumulationType.SUM,
               transform_fn: Callable[[Any], Any] = lambda x: x,
               metrics_fn: Callable[[Any], Any] = lambda x: None,
               num_real_microbatches: Any = None) -> Callable[..., Any]:
    """Per-example gradients of `fun`, transformed by `transform_fn` and combined.

    Returns ``(combined, aux)`` where ``combined`` accumulates ``transform_fn(grad_i)``
    over the examples (SUM by default) and ``aux`` is a namedtuple ``(values, metrics,
    aux)`` of per-example losses, ``metrics_fn(grad_i)`` and `fun`'s own aux.

    Args:
      fun: ``fun(params, batch, ...) -> loss`` (``(loss, aux)`` with `has_aux`).
      has_aux: whether `fun` returns ``(loss, aux)``.
      argnums: the arguments to differentiate.
      batch_argnums: the arguments with a batch axis (axis 0).
      keep_batch_dim: `fun` sees each example with a batch axis of size 1.
      microbatch_size: rows per microbatch (None: all at once).
      accumulator: how to combine the transformed gradients (see `microbatch`).
      transform_fn: applied to each example's gradient before combining (say clipping).
      metrics_fn: applied to each example's gradient; returned per example.
      num_real_microbatches: as in `microbatch`.

    Returns:
      A function of `fun`'s arguments.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> import fungrad.numpy as fnp
        >>> loss = lambda w, x, y: 0.5 * fnp.mean((x @ w - y) ** 2)
        >>> kind = optim.microbatching.AccumulationType
        >>> (g, g2), aux = optim.microbatching.micro_grad(
        ...     loss, batch_argnums=(1, 2), accumulator=kind.MEAN,
        ...     transform_fn=lambda g: (g, g ** 2))(np.zeros(1), np.ones((4, 1)),
        ...                                          np.array([0.0, 2.0, 4.0, 6.0]))
        >>> g.tolist(), g2.tolist(), aux.values.tolist()
        ([-3.0], [14.0], [0.0, 2.0, 8.0, 18.0])
    """
    batch_argnums = _as_tuple(batch_argnums)
    with_aux = fun if has_aux else (lambda *a, **k: (fun(*a, **k), None))
    vg = value_and_grad(with_aux, argnums, has_aux=True)

    def per_example(*args, **kwargs):
        (value, aux), grad = vg(*args, **kwargs)
        return transform_fn(grad), IndividualOutputs(values=value, metrics=metrics_fn(grad),
                                                     aux=aux)

    in_axes = [None] * (max(batch_argnums) + 1)
    for i in batch_argnums:
        in_axes[i] = 0
    run = micro_vmap(per_example, in_axes=in_axes,
                     accumulator=(accumulator, AccumulationType.CONCAT),
                     microbatch_size=microbatch_size,
                     num_real_microbatches=num_real_microbatches)
    if not keep_batch_dim:
        return run

    def with_batch_axis(*args, **kwargs):
        args = list(args)
        for i in batch_argnums:
            args[i] = tree_map(lambda x: fnp.expand_dims(x, 1), args[i])
        return run(*args, **kwargs)

    return with_batch_axis
