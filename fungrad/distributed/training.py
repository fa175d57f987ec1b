"""Data-parallel training kit: start from rank 0's parameters, average gradients, shard data.

`allreduce_gradients` packs the gradient leaves into buckets (all leaves of one dtype, in
tree order, up to ``bucket_bytes`` per bucket, as Horovod's tensor fusion and PyTorch DDP
do) and sends one message per bucket instead of one per leaf. The reduction is
deterministic: every rank gathers all ranks' buckets and adds them in rank order, so the
result is the same bits on every rank (MPI's own allreduce does not promise that).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fungrad.distributed import world as _w
from fungrad.tree_util import keystr, tree_flatten_with_path, tree_map, tree_unflatten

__all__ = ["broadcast_one_to_all", "allreduce_gradients", "process_shard", "shard_range"]

DEFAULT_BUCKET_BYTES = 25 * 2 ** 20  # PyTorch DDP's default bucket size


def _flat(fn: str, tree):
    pairs, treedef = tree_flatten_with_path(tree)
    leaves = []
    for path, leaf in pairs:
        try:
            leaves.append(np.asarray(leaf, order="C"))
        except Exception as err:  # a tracer: these helpers run outside transforms
            raise TypeError(f"distributed.{fn}: leaf {keystr(path) or '<root>'} is "
                            f"{type(leaf).__name__}, not an array; call {fn} on concrete "
                            "values, outside jit/grad/vmap.") from err
    return [keystr(p) for p, _ in pairs], leaves, treedef


def broadcast_one_to_all(in_tree: Any, is_source: bool | None = None) -> Any:
    """Return rank 0's ``in_tree`` on every rank (JAX's multihost_utils signature).

    ``is_source`` (default: this is rank 0) marks the one rank whose values are sent; the
    tree structure, shapes and dtypes must agree on every rank (an error names the rank
    and key path otherwise). Use it to start every rank from the same parameters.
    """
    w = _w._ensure()
    paths, leaves, treedef = _flat("broadcast_one_to_all", in_tree)
    if w.size == 1:
        return tree_unflatten(treedef, [x.copy() for x in leaves])
    source = w.rank == 0 if is_source is None else bool(is_source)
    sig = (str(treedef), _w.signature_of(zip(paths, leaves)))
    _w.check_same(sig, "broadcast_one_to_all",
                  lambda ref, mine: _w.describe_leaves(ref[1], mine[1])
                  if ref[0] == mine[0] else f"tree {mine[0]} where rank 0 has {ref[0]}")
    flags = _w.allgather_bytes(np.array([source], np.uint8), "broadcast_one_to_all")
    roots = np.flatnonzero(flags[:, 0])
    if len(roots) != 1:
        raise _w.DistributedError(
            f"distributed.broadcast_one_to_all: is_source is true on ranks {roots.tolist()}; "
            "exactly one rank must be the source.")
    root = int(roots[0])
    out = []
    total = sum(x.nbytes for x in leaves)
    buf = np.empty(total, np.uint8)
    if w.rank == root:
        offset = 0
        for x in leaves:
            buf[offset:offset + x.nbytes] = x.reshape(-1).view(np.uint8)
            offset += x.nbytes
    _w.bcast_bytes(buf, root, "broadcast_one_to_all")
    offset = 0
    for x in leaves:
        out.append(buf[offset:offset + x.nbytes].view(x.dtype).reshape(x.shape).copy())
        offset += x.nbytes
    return tree_unflatten(treedef, out)


def buckets(leaves, bucket_bytes: int) -> list[list[int]]:
    """Leaf indices per bucket: by dtype (first-appearance order), then tree order."""
    by_dtype: dict = {}
    for i, x in enumerate(leaves):
        by_dtype.setdefault(x.dtype, []).append(i)
    out = []
    for idx in by_dtype.values():
        current, size = [], 0
        for i in idx:
            n = leaves[i].nbytes
            if current and size + n > bucket_bytes:
                out.append(current)
                current, size = [], 0
            current.append(i)
            size += n
        if current:
            out.append(current)
    return out


def allreduce_gradients(grads: Any, op: str = "mean", bucket_bytes: int = DEFAULT_BUCKET_BYTES
                        ) -> Any:
    """Sum or average ``grads`` (a pytree of arrays) over all processes.

    Args:
        grads: this rank's gradients; every rank passes the same structure, shapes, dtypes.
        op: ``"mean"`` (data-parallel training with equal shards), ``"sum"``, ``"max"`` or
            ``"min"``.
        bucket_bytes: leaves of one dtype are packed into buffers of at most this many
            bytes (a larger leaf gets a bucket of its own), one message each. A tiny value
            (e.g. 1) sends one message per leaf.

    Returns:
        The reduced tree (NumPy arrays, the same dtypes), identical bit for bit on every rank.
    """
    if op not in ("mean", "sum", "max", "min"):
        raise ValueError(f"distributed.allreduce_gradients: op={op!r}; use 'mean', 'sum', "
                         "'max' or 'min'")
    if not isinstance(bucket_bytes, (int, np.integer)) or bucket_bytes < 1:
        raise ValueError("distributed.allreduce_gradients: bucket_bytes must be a positive "
                         f"int, got {bucket_bytes!r}")
    w = _w._ensure()
    paths, leaves, treedef = _flat("allreduce_gradients", grads)
    for p, x in zip(paths, leaves):
        if op == "mean" and not np.issubdtype(x.dtype, np.inexact):
            raise TypeError(f"distributed.allreduce_gradients: leaf {p or '<root>'} has dtype "
                            f"{x.dtype}; op='mean' needs floating-point leaves (use op='sum')")
    if w.size == 1:
        return tree_unflatten(treedef, [x.copy() for x in leaves])
    sig = (str(treedef), _w.signature_of(zip(paths, leaves)))
    _w.check_same(sig, "allreduce_gradients",
                  lambda ref, mine: _w.describe_leaves(ref[1], mine[1])
                  if ref[0] == mine[0] else f"tree {mine[0]} where rank 0 has {ref[0]}")
    out: list = [None] * len(leaves)
    reduce = {"sum": np.add, "mean": np.add, "max": np.maximum, "min": np.minimum}[op]
    for idx in buckets(leaves, int(bucket_bytes)):
        dtype = leaves[idx[0]].dtype
        packed = (np.concatenate([leaves[i].reshape(-1) for i in idx]) if len(idx) > 1
                  else leaves[idx[0]].reshape(-1))
        every = _w.allgather_bytes(packed.view(np.uint8), "allreduce_gradients")
        every = every.view(dtype)
        total = every[0].copy()
        for part in every[1:]:  # rank order: the same bits on every rank
            reduce(total, part, out=total)
        if op == "mean":
            total /= dtype.type(w.size)
        offset = 0
        for i in idx:
            n = leaves[i].size
            out[i] = total[offset:offset + n].reshape(leaves[i].shape)
            offset += n
    return tree_unflatten(treedef, out)


def shard_range(n: int, *, drop_remainder: bool = False) -> range:
    """This process's contiguous share of ``range(n)`` (``n // process_count()`` items).

    Without ``drop_remainder`` ``n`` must divide evenly (every rank then sees the same
    number of examples, as equal-weight gradient averaging needs).
    """
    w = _w._ensure()
    if n % w.size and not drop_remainder:
        raise ValueError(f"distributed.shard_range: {n} items do not split evenly over "
                         f"{w.size} processes; pass a multiple of {w.size} or "
                         "drop_remainder=True (the last n % size items are dropped)")
    per = n // w.size
    return range(w.rank * per, (w.rank + 1) * per)


def process_shard(data: Any, *, drop_remainder: bool = False) -> Any:
    """This process's slice along axis 0 of every leaf of ``data`` (see `shard_range`).

    For a global batch ``(x, y)`` it returns the rows this rank trains on; all leaves must
    have the same length along axis 0.
    """
    paths, leaves = zip(*tree_flatten_with_path(data)[0]) if data is not None else ((), ())
    lengths = {keystr(p) or "<root>": np.shape(x)[0] if np.ndim(x) else None
               for p, x in zip(paths, leaves)}
    if None in lengths.values() or len(set(lengths.values())) > 1:
        raise ValueError(f"distributed.process_shard: every leaf needs the same length along "
                         f"axis 0; got {lengths}")
    if not lengths:
        return data
    r = shard_range(next(iter(lengths.values())), drop_remainder=drop_remainder)
    return tree_map(lambda x: x[r.start:r.stop], data)
