"""Primitives that communicate between processes (what ``pmap``'s collectives bind).

Each operates on this process's value and the same-shaped values of the other ranks:

- ``process_allreduce(x, op, size)``: the sum/max/min over ranks, the same bits on every
  rank (every rank gathers all values and reduces them in rank order).
- ``process_allgather(x, size)``: the ranks' values stacked on a new leading axis.
- ``process_reduce_scatter(x, size)``: ``x`` has a leading axis of length ``size``; the sum
  over ranks of block ``rank``.
- ``process_ppermute(x, perm, size)``: ``x`` holds this rank's ``L`` lanes of a global axis
  of ``size * L`` lanes (global lane ``rank * L + l``); lane ``dst`` receives lane ``src``'s
  value for each ``(src, dst)`` in ``perm``, zeros where no pair arrives.

``size`` is the number of ranks when the program was traced, so abstract evaluation needs
no communicator. With one process they compute locally. Under ``jit`` they are ordinary IR
equations (printed by ``make_ir``, never fused: they are not elementwise). Transposes:
allreduce-sum is its own transpose, allgather and reduce-scatter are each other's, ppermute
transposes into the inverse permutation. Every call first checks that all ranks pass the
same shape and dtype (an error on every rank, naming the rank, otherwise).
"""

from __future__ import annotations

import numpy as np

from fungrad.core import Primitive, ShapedArray, get_aval
from fungrad.distributed import world as _w
from fungrad.errors import ShapeError, user_site
from fungrad.interpreters.batching import batching_rules, defvectorized, move_axis
from fungrad.interpreters.jvp import jvp_rules, zeros_like_aval
from fungrad.interpreters.linearize import deflinear
from fungrad.lax.comparison import convert_element_type, eq, select_n
from fungrad.lax.elementwise import div

__all__ = ["process_allreduce_p", "process_allgather_p", "process_reduce_scatter_p",
           "process_ppermute_p"]

_OPS = ("sum", "max", "min")


def _check_size(name: str, size: int) -> None:
    if _w.world.size != size:
        raise _w.DistributedError(
            f"{name}: traced for {size} processes but the world has {_w.world.size}; "
            "a program staged under one world cannot run in another.")


def _signature_check(name: str, x: np.ndarray, extra=()) -> None:
    sig = (name, x.shape, x.dtype.str, extra)

    def describe(ref, mine):
        what = (f"operand shape {mine[1]} dtype {np.dtype(mine[2]).name} where rank 0 has "
                f"shape {ref[1]} dtype {np.dtype(ref[2]).name}" if ref[1:3] != mine[1:3]
                else f"parameters {mine[3]} where rank 0 has {ref[3]}")
        return f"{what}, in the collective called at {user_site()}"

    _w.check_same(sig, name, describe)


def _gathered(name: str, x: np.ndarray, extra=()) -> np.ndarray:
    """``(size, *x.shape)``: every rank's ``x``, in rank order."""
    x = np.asarray(x, order="C")
    _signature_check(name, x, extra)
    raw = _w.allgather_bytes(x.reshape(-1).view(np.uint8), name)
    return raw.view(x.dtype).reshape((_w.world.size, *x.shape))


def _reduce_in_order(stack: np.ndarray, op: str) -> np.ndarray:
    out = stack[0].copy()
    fn = {"sum": np.add, "max": np.maximum, "min": np.minimum}[op]
    for part in stack[1:]:
        fn(out, part, out=out)
    return out


# ---------------------------------------------------------------------------------------
# allreduce


def _allreduce_impl(x, *, op, size):
    _check_size("process_allreduce", size)
    x = np.asarray(x)
    if size == 1:
        return x.copy()
    return _reduce_in_order(_gathered("process_allreduce", x, (op,)), op)


def _same_aval(x, *, op, size):
    if op not in _OPS:
        raise ValueError(f"process_allreduce: op={op!r}; use one of {_OPS}")
    return x


process_allreduce_p = Primitive("process_allreduce")
process_allreduce_p.def_impl(_allreduce_impl)
process_allreduce_p.def_abstract_eval(_same_aval)
defvectorized(process_allreduce_p)


def process_allreduce(x, op: str = "sum", size: int | None = None):
    return process_allreduce_p.bind(x, op=op, size=_w.world.size if size is None else size)


def _allreduce_jvp(primals, tangents, *, op, size):
    (x,), (t,) = primals, tangents
    ans = process_allreduce_p.bind(x, op=op, size=size)
    if op == "sum":
        return ans, process_allreduce_p.bind(t, op="sum", size=size)
    # max/min: the ranks that attain the extreme share the tangent evenly
    hit = eq(x, ans)
    count = process_allreduce_p.bind(convert_element_type(hit, get_aval(x).dtype), op="sum",
                                     size=size)
    picked = select_n(hit, zeros_like_aval(get_aval(t)), t)
    return ans, div(process_allreduce_p.bind(picked, op="sum", size=size), count)


def _allreduce_transpose(ct, x, *, op, size):
    if op != "sum":
        raise ValueError(f"process_allreduce(op={op!r}) is not linear; only op='sum' transposes")
    return [process_allreduce_p.bind(ct, op="sum", size=size)]


# psum is linear but pmax/pmin are not: the JVP rule above covers every op, and the
# transpose (used only for the linear sum) is registered with `deflinear`.
deflinear(process_allreduce_p, _allreduce_transpose)
jvp_rules[process_allreduce_p] = _allreduce_jvp

# ---------------------------------------------------------------------------------------
# allgather / reduce-scatter


def _allgather_impl(x, *, size):
    _check_size("process_allgather", size)
    x = np.asarray(x)
    return x[None].copy() if size == 1 else _gathered("process_allgather", x)


def _reduce_scatter_impl(x, *, size):
    _check_size("process_reduce_scatter", size)
    x = np.asarray(x)
    if size == 1:
        return x[0].copy()
    return _reduce_in_order(_gathered("process_reduce_scatter", x)[:, _w.world.rank], "sum")


def _reduce_scatter_abstract_eval(x, *, size):
    if not x.shape or x.shape[0] != size:
        raise ShapeError(f"process_reduce_scatter: operand {x.str_short()} needs a leading "
                         f"axis of length {size} (one block per process)")
    return ShapedArray(x.shape[1:], x.dtype, x.weak_type)


process_allgather_p = Primitive("process_allgather")
process_allgather_p.def_impl(_allgather_impl)
process_allgather_p.def_abstract_eval(
    lambda x, *, size: ShapedArray((size, *x.shape), x.dtype, x.weak_type))
process_reduce_scatter_p = Primitive("process_reduce_scatter")
process_reduce_scatter_p.def_impl(_reduce_scatter_impl)
process_reduce_scatter_p.def_abstract_eval(_reduce_scatter_abstract_eval)
deflinear(process_allgather_p,
          lambda ct, x, *, size: [process_reduce_scatter_p.bind(ct, size=size)])
deflinear(process_reduce_scatter_p,
          lambda ct, x, *, size: [process_allgather_p.bind(ct, size=size)])
batching_rules[process_allgather_p] = lambda vals, dims, *, size: (
    process_allgather_p.bind(vals[0], size=size), dims[0] + 1)
batching_rules[process_reduce_scatter_p] = lambda vals, dims, *, size: (
    process_reduce_scatter_p.bind(move_axis(vals[0], dims[0], 1), size=size), 0)

# ---------------------------------------------------------------------------------------
# ppermute over a global axis of size * L lanes


def _row(a: np.ndarray, i: int) -> np.ndarray:
    """Row ``i`` of a C-contiguous array as a writable byte view."""
    return a[i:i + 1].reshape(-1).view(np.uint8)


def _ppermute_impl(x, *, perm, size):
    _check_size("process_ppermute", size)
    x = np.asarray(x, order="C")
    lanes = x.shape[0]
    out = np.zeros_like(x)
    rank = _w.world.rank
    if size == 1:
        for src, dst in perm:
            out[dst] = x[src]
        return out
    _signature_check("process_ppermute", x, (perm,))
    comm = _w.world.comm
    requests = []
    for tag, (src, dst) in enumerate(perm):
        if src // lanes == rank and dst // lanes == rank:
            out[dst % lanes] = x[src % lanes]
        elif src // lanes == rank:
            requests.append(comm.Isend(_row(x, src % lanes),
                                       dest=dst // lanes, tag=tag))
        elif dst // lanes == rank:
            requests.append(comm.Irecv(_row(out, dst % lanes), source=src // lanes, tag=tag))
    for r in requests:
        _w._wait(r, "process_ppermute")
    return out


def _ppermute_abstract_eval(x, *, perm, size):
    if not x.shape:
        raise ShapeError("process_ppermute: the operand needs a leading axis of local lanes")
    total = size * x.shape[0]
    for src, dst in perm:
        if not (0 <= src < total and 0 <= dst < total):
            raise ValueError(f"process_ppermute: pair ({src}, {dst}) is out of range for "
                             f"{total} lanes")
    return x


process_ppermute_p = Primitive("process_ppermute")
process_ppermute_p.def_impl(_ppermute_impl)
process_ppermute_p.def_abstract_eval(_ppermute_abstract_eval)
deflinear(process_ppermute_p, lambda ct, x, *, perm, size: [process_ppermute_p.bind(
    ct, perm=tuple((d, s) for s, d in perm), size=size)])
batching_rules[process_ppermute_p] = lambda vals, dims, *, perm, size: (
    process_ppermute_p.bind(move_axis(vals[0], dims[0], 1), perm=perm, size=size), 1)
