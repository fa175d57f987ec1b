"""``pmap``: a mapped axis that spans processes (MPI ranks), in JAX's multi-process model.

Each process calls the pmapped function on its *local shard*: ``L`` lanes along
``in_axes``; the global axis has ``L * process_count()`` lanes, global lane
``process_index() * L + l``. Inside, the lanes of one process are batched as by ``vmap``
(a `PmapTrace` is a batch trace), and collectives over ``axis_name`` first reduce (gather,
permute) the local lanes and then communicate with the other ranks through the
``process_*`` primitives of `fungrad.distributed.primitives`. The axis environment frame
says ``(axis_name, L * process_count())``, so ``axis_size``, ``pmean`` and shape checks see
the global axis. With one process the same program runs with the axis local (the process
primitives copy), which is how the single-process tests exercise every rule.

Derivatives compose from the rules: ``psum``'s communication is its own transpose, so
``grad`` of a function that sums the pmapped outputs gives every rank the gradient of the
global sum with respect to its shard (as ``vmap`` over the global batch would). Under
``jit`` the communication is an IR equation (``process_allreduce`` ...), executed on
every call. Inner IRs (``jit``, ``cond``, ``scan`` inside the pmapped function) are
re-batched by pmap traces too (``named_subtrace``), so their collectives communicate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from fungrad import core
from fungrad.core import get_aval, shape_of
from fungrad.distributed import world as _w
from fungrad.distributed.primitives import (
    process_allgather_p,
    process_allreduce_p,
    process_ppermute_p,
    process_reduce_scatter_p,
)
from fungrad.interpreters.batching import (
    BatchTrace,
    BatchTracer,
    axis_env,
    bdim_to_front,
    move_axis,
)
from fungrad.lax.collectives import (
    all_gather_p,
    axis_index_p,
    pmax_p,
    pmin_p,
    ppermute_p,
    psum_p,
    psum_scatter_p,
)
from fungrad.lax.collectives_all_to_all import all_to_all_p, exchange
from fungrad.lax.creation import iota
from fungrad.lax.elementwise import add, mul
from fungrad.lax.reductions import reduce_max, reduce_min, reduce_sum
from fungrad.lax.shape_ops import reshape, slice_in_dim
from fungrad.numpy.array_type import as_outputs
from fungrad.transforms import leak_checks
from fungrad.transforms.vmap_api import (
    _batch_size,
    _normalize_axes,
    _place_output,
    _resolve_in_axes,
)
from fungrad.tree_util import keystr, tree_flatten, tree_unflatten

__all__ = ["pmap", "PmapTrace", "pmap_rules"]

# prim -> rule(trace, vals, dims, **params) -> (out, out_dim), for the trace owning the name
pmap_rules: dict = {}


class PmapTrace(BatchTrace):
    """A batch trace over this process's lanes whose collectives also communicate."""

    transform_name = "pmap"

    def __init__(self, axis_size: int, fun_name: str, axis_name, nprocs: int):
        super().__init__(axis_size, fun_name=fun_name, axis_name=axis_name)
        self.nprocs = nprocs
        self.frame_size = axis_size * nprocs  # the global axis, as collectives see it
        self.subtrace_key = ("pmap", nprocs)  # inner IRs batched for pmap are cached apart

    def named_subtrace(self, axis_size: int, fun_name: str) -> PmapTrace:
        return PmapTrace(axis_size, fun_name, self.axis_name, self.nprocs)

    def _process_named(self, prim, vals, dims, batched, params):
        rule = pmap_rules.get(prim)
        if rule is None:
            return super()._process_named(prim, vals, dims, batched, params)

        def run(vals, dims, **params):
            return rule(self, vals, dims, **params)

        return self._run_rule(prim, run, vals, dims, params)


# ---------------------------------------------------------------------------------------
# Collective rules: local lanes first, then the other processes


def _reducing(prim, local_reduce, op):
    def rule(trace, vals, dims, *, axes):
        (x,), (d,) = vals, dims
        if d is None:  # the same value on the L local lanes
            local = mul(x, get_aval(x).dtype.type(trace.axis_size)) if op == "sum" else x
        else:
            local = local_reduce(x, (d,))
        out = process_allreduce_p.bind(local, op=op, size=trace.nprocs)
        rest = tuple(n for n in axes if n != trace.axis_name)
        return (prim.bind(out, axes=rest) if rest else out), None

    pmap_rules[prim] = rule


_reducing(psum_p, reduce_sum, "sum")
_reducing(pmax_p, reduce_max, "max")
_reducing(pmin_p, reduce_min, "min")


def _global_lanes(trace, x, d):
    """``(P * L, ...)``: every process's lanes of ``x``, in global lane order."""
    x = bdim_to_front(x, d, trace.axis_size)
    g = process_allgather_p.bind(x, size=trace.nprocs)
    shape = shape_of(g)
    return reshape(g, (shape[0] * shape[1], *shape[2:]))


def _all_gather_rule(trace, vals, dims, *, axis_name, axis, tiled):
    g = move_axis(_global_lanes(trace, vals[0], dims[0]), 0, axis)
    if tiled:
        shape = shape_of(g)
        g = reshape(g, (*shape[:axis], shape[axis] * shape[axis + 1], *shape[axis + 2:]))
    return g, None


def _psum_scatter_rule(trace, vals, dims, *, axis_name, scatter_dimension, tiled):
    (x,), (d,) = vals, dims
    lanes, nprocs = trace.axis_size, trace.nprocs
    total = (mul(x, get_aval(x).dtype.type(lanes)) if d is None else reduce_sum(x, (d,)))
    shape, sd = shape_of(total), scatter_dimension
    size = lanes * nprocs
    if tiled:  # split the dimension into (global lanes, block)
        total = reshape(total, (*shape[:sd], size, shape[sd] // size, *shape[sd + 1:]))
    total = move_axis(total, sd, 0)
    rest = shape_of(total)[1:]
    blocks = reshape(total, (nprocs, lanes, *rest))
    return process_reduce_scatter_p.bind(blocks, size=nprocs), 0


def _ppermute_rule(trace, vals, dims, *, axis_name, perm):
    x = bdim_to_front(vals[0], dims[0], trace.axis_size)
    return process_ppermute_p.bind(x, perm=perm, size=trace.nprocs), 0


def _axis_index_rule(trace, vals, dims, *, axis_name):
    first = np.int32(_w.world.rank * trace.axis_size)
    return add(iota(np.int32, trace.axis_size), first), 0


def _all_to_all_rule(trace, vals, dims, *, axis_name, split_axis, concat_axis, tiled):
    # every process's lanes, exchanged as over one global axis; this process keeps its own
    size = trace.axis_size * trace.nprocs
    out = exchange(_global_lanes(trace, vals[0], dims[0]), size, split_axis, concat_axis, tiled)
    first = _w.world.rank * trace.axis_size
    return slice_in_dim(out, first, first + trace.axis_size, axis=0), 0


pmap_rules[all_gather_p] = _all_gather_rule
pmap_rules[all_to_all_p] = _all_to_all_rule
pmap_rules[psum_scatter_p] = _psum_scatter_rule
pmap_rules[ppermute_p] = _ppermute_rule
pmap_rules[axis_index_p] = _axis_index_rule

# ---------------------------------------------------------------------------------------
# The transform


def _name(fun) -> str:
    return getattr(fun, "__qualname__", None) or getattr(fun, "__name__", repr(fun))


def _as_pmap_error(err: ValueError) -> ValueError:
    return type(err)(str(err).replace("vmap of `", "pmap of `", 1))


def _flat_pmap(fun, args, in_dims, lanes: int, nprocs: int, fun_name: str, axis_name):
    trace = PmapTrace(lanes, fun_name, axis_name, nprocs)
    env, frames, rule_axis = axis_env, axis_env.frames, axis_env.rule_axis

    def body():
        ins = [trace.wrap(a, d) for a, d in zip(args, in_dims)]
        return [(o.val, o.bdim) if isinstance(o, BatchTracer) and o._trace is trace
                else (o, None) for o in fun(*ins)]

    try:
        try:
            if axis_name is not None:
                env.frames = (*frames, (axis_name, lanes * nprocs))
            pairs = core.run_in_trace(trace, body)
        finally:
            env.frames, env.rule_axis = frames, rule_axis
    finally:
        env.frames, env.rule_axis = frames, rule_axis
    return [p for p, _ in pairs], [d for _, d in pairs]


def _check_processes(fun, with_paths, axes, lanes, axis_name) -> None:
    sig = (str(axis_name), lanes, tuple(
        (keystr(p) or "<root>", tuple(get_aval(x).shape), get_aval(x).dtype.str, a)
        for (p, x), a in zip(with_paths, axes)))

    def describe(ref, mine):
        if ref[0] != mine[0]:
            return f"axis_name {mine[0]} where rank 0 has {ref[0]}"
        if ref[1] != mine[1]:
            return f"{mine[1]} local lanes where rank 0 has {ref[1]} (shards must be equal)"
        if len(ref[2]) != len(mine[2]):
            return f"{len(mine[2])} argument leaves where rank 0 has {len(ref[2])}"
        for r, m in zip(ref[2], mine[2]):
            if r != m:
                return (f"argument{m[0]} has shape {m[1]} dtype {np.dtype(m[2]).name} "
                        f"(in_axis {m[3]}) where rank 0 has argument{r[0]} of shape {r[1]} "
                        f"dtype {np.dtype(r[2]).name} (in_axis {r[3]})")
        return "a different signature"

    _w.check_same(sig, f"pmap of `{_name(fun)}`", describe)


def pmap(fun: Callable, axis_name: Any = None, *, in_axes: Any = 0, out_axes: Any = 0,
         static_broadcasted_argnums: int | Iterable[int] = (), devices=None,
         backend: str | None = None, axis_size: int | None = None,
         donate_argnums: int | Iterable[int] = ()) -> Callable:
    """Map ``fun`` over an axis that spans all processes (JAX's signature).

    Every process calls the result with its local shard (``L`` lanes along ``in_axes``,
    the same ``L`` on every rank) and gets its ``L`` lanes of the outputs. Collectives over
    ``axis_name`` inside ``fun`` (``lax.psum``, ``pmean``, ``pmax``, ``pmin``,
    ``all_gather``, ``psum_scatter``, ``ppermute``, ``all_to_all``, ``pswapaxes``,
    ``pshuffle``, ``axis_index``, ``axis_size``) act over
    all ``L * process_count()`` lanes: they reduce the local lanes, then communicate over
    MPI. Without ``mpiexec`` the world is one process and ``pmap`` equals ``vmap``.

    Args:
        fun: function of arrays/pytrees.
        axis_name: the name collectives use for the mapped axis.
        in_axes, out_axes: as in ``vmap`` (pytree prefixes; None: not mapped).
        static_broadcasted_argnums: positional arguments passed through unmapped, as
            Python values (not traced).
        axis_size: the number of local lanes when no argument is mapped.
        devices, backend: must be None: fungrad maps over processes, not devices.
        donate_argnums: accepted and ignored (there are no device buffers to donate).

    Example:
        >>> import numpy as np, fungrad as fg, fungrad.lax as lax
        >>> fg.pmap(lambda v: v / lax.psum(v, "i"), axis_name="i")(np.array([1.0, 3.0]))
        Array([0.25, 0.75])
    """
    for arg, value in (("devices", devices), ("backend", backend)):
        if value is not None:
            raise ValueError(
                f"pmap of `{_name(fun)}`: {arg}={value!r} is not supported: fungrad's pmap maps "
                "over processes (launch with mpiexec -n N), not over devices; leave it None.")
    static = ((static_broadcasted_argnums,) if isinstance(static_broadcasted_argnums, int)
              else tuple(static_broadcasted_argnums))
    del donate_argnums

    def pmapped(*args, **kwargs):
        if static:
            nargs = len(args)
            fixed = {i % nargs: args[i] for i in static if -nargs <= i < nargs}
            dyn = [a for i, a in enumerate(args) if i not in fixed]
            axes = in_axes
            if isinstance(axes, (tuple, list)) and len(axes) == nargs:
                axes = tuple(a for i, a in enumerate(axes) if i not in fixed)

            def dynamic(*d, **kw):
                it = iter(d)
                full = [fixed[i] if i in fixed else next(it) for i in range(nargs)]
                return fun(*full, **kw)

            dynamic.__qualname__ = _name(fun)
            return pmap(dynamic, axis_name, in_axes=axes, out_axes=out_axes,
                        axis_size=axis_size)(*dyn, **kwargs)
        if kwargs:  # mapped over axis 0, as in JAX
            axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)

            def with_keywords(*a):
                return fun(*a[:-1], **a[-1])

            with_keywords.__qualname__ = _name(fun)
            return pmap(with_keywords, axis_name, in_axes=(*axes, 0), out_axes=out_axes,
                        axis_size=axis_size)(*args, kwargs)
        try:
            leaves, axes, with_paths = _resolve_in_axes(fun, args, in_axes)
            lanes = _batch_size(fun, with_paths, axes, axis_size)
        except ValueError as err:
            raise _as_pmap_error(err) from None
        nprocs = _w.process_count()
        _check_processes(fun, with_paths, axes, lanes, axis_name)
        in_tree = tree_flatten(args)[1]
        out_box = []

        def flat_fun(*flat):
            out_leaves, out_tree = tree_flatten(fun(*tree_unflatten(in_tree, flat)))
            out_box.append(out_tree)
            return out_leaves

        marker = leak_checks.start()
        outs, dims = _flat_pmap(flat_fun, leaves, axes, lanes, nprocs, _name(fun), axis_name)
        out_tree = out_box[-1]
        try:
            spec = _normalize_axes(fun, out_axes, tree_unflatten(out_tree, outs), "out_axes")
            placed = [_place_output(fun, o, d, a, lanes) for o, d, a in zip(outs, dims, spec)]
        except ValueError as err:
            raise _as_pmap_error(err) from None
        leak_checks.finish(marker, "pmap", fun)
        return tree_unflatten(out_tree, as_outputs(placed))

    pmapped.__name__ = f"pmap({_name(fun)})"
    pmapped.__wrapped__ = fun
    return pmapped
