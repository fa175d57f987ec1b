"""The static ``index_spec`` of the indexing primitives, and helpers the family shares.

``gather`` and the scatters (``fungrad.lax.gather_scatter``) express NumPy indexing directly
rather than XLA's general dimension numbers: a static, hashable ``index_spec`` describes the
index expression, and the integer index arrays are operands after the data operand(s), so
indices may be traced. ``index_spec`` is a tuple whose entries are

* ``("int", i)``: a static integer index (negative counts from the end, like NumPy);
* ``("slice", start, stop, step)``: a basic slice (each field an int or None);
* ``("newaxis",)`` and ``("ellipsis",)``: ``None`` and ``...``;
* ``("array", k)``: the k-th index operand, an integer array (rank 0 allowed).

The impls rebuild the NumPy index tuple (:func:`build_index`) and apply it, so results
follow NumPy's basic and advanced indexing rules exactly (negative indices wrap;
out-of-range ones raise IndexError), and :func:`indexed_shape` reads result shapes off
NumPy's own rules.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["build_index", "describe_index", "indexed_shape"]

from fungrad import core
from fungrad.core import Primitive, ShapedArray, get_aval
from fungrad.errors import ShapeError
from fungrad.interpreters.jvp import Zero, instantiate, zeros_like_aval
from fungrad.interpreters.linearize import is_linear

# ---------------------------------------------------------------------------------------
# Helpers shared by the indexing primitives (gather/scatter and dynamic slicing)


def as_indexable(x):
    """Rank-0 literals (Python or NumPy scalars) as arrays, so that they can be indexed."""
    return np.asarray(x) if core.is_literal(x) else x


def writable_copy(x):
    """A fresh, writable copy of ``x``: scatters update it and never touch their input."""
    return x.copy() if isinstance(x, np.ndarray) or not core.is_literal(x) else np.array(x)


def operand_aval(x) -> ShapedArray:
    """The abstract value of a transpose-rule operand, linear or not."""
    return x.aval if is_linear(x) else get_aval(x)


def zeros_array(shape, dtype):
    """Zeros of ``shape`` and ``dtype`` (an array, or a tracer under a transform)."""
    return zeros_like_aval(ShapedArray(shape, dtype))


def linear_jvp_skipping_indices(prim: Primitive):
    """JVP of a primitive linear jointly in operands 0 and 1 (the rest are indices)."""

    def rule(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        t_op, t_upd = tangents[0], tangents[1]
        if isinstance(t_op, Zero) and isinstance(t_upd, Zero):
            return ans, Zero.like_primal(ans)
        ts = instantiate(t_op, primals[0]), instantiate(t_upd, primals[1])
        return ans, prim.bind(*ts, *primals[2:], **params)

    return rule


# ---------------------------------------------------------------------------------------
# index_spec: the static description of a NumPy index expression


def build_index(index_spec: tuple, indices) -> tuple:
    """Rebuild the NumPy index tuple described by ``index_spec`` and its index operands."""
    out = []
    for entry in index_spec:
        kind = entry[0]
        if kind == "array":
            out.append(indices[entry[1]])
        elif kind == "int":
            out.append(entry[1])
        elif kind == "slice":
            out.append(slice(*entry[1:]))
        else:
            out.append(None if kind == "newaxis" else Ellipsis)
    return tuple(out)


def describe_index(index_spec: tuple, index_avals) -> str:
    """Render ``index_spec`` readably, e.g. ``[1:, ::-1, None, i64[3]]``."""
    parts = []
    for entry in index_spec:
        kind = entry[0]
        if kind == "array":
            parts.append(index_avals[entry[1]].str_short())
        elif kind == "int":
            parts.append(str(entry[1]))
        elif kind == "slice":
            start, stop, step = ("" if v is None else str(v) for v in entry[1:])
            parts.append(f"{start}:{stop}" + (f":{step}" if step else ""))
        else:
            parts.append("None" if kind == "newaxis" else "...")
    return "[" + ", ".join(parts) + "]"


_SPEC_ARITY = {"int": 2, "slice": 4, "newaxis": 1, "ellipsis": 1, "array": 2}


def _check_index_spec(name: str, index_spec, indices) -> None:
    if not isinstance(index_spec, tuple) or not all(
            isinstance(e, tuple) and e and _SPEC_ARITY.get(e[0]) == len(e) for e in index_spec):
        raise TypeError(f"fungrad {name}: index_spec {index_spec!r} is malformed; see the "
                        "fungrad.lax.index_spec module docstring for its entries.")
    used = sorted(e[1] for e in index_spec if e[0] == "array")
    if used != list(range(len(indices))):
        raise TypeError(f"fungrad {name}: index_spec {index_spec} refers to index operands "
                        f"{used}, but {len(indices)} were given (each must be used once).")
    for i, aval in enumerate(indices):
        if aval.dtype.kind not in "iu":
            raise TypeError(f"fungrad {name}: index operand {i} has dtype {aval.dtype}; index "
                            "arrays must be integers (fungrad.numpy converts boolean masks).")


@functools.lru_cache(maxsize=4096)
def indexed_shape(name: str, shape: tuple, index_spec: tuple, index_shapes: tuple) -> tuple:
    """The shape of ``x[index]`` for ``x`` of ``shape``, by NumPy's own rules.

    Indexes a zero-strided dummy (no memory per element) with zero index arrays.
    """
    dummy = np.lib.stride_tricks.as_strided(np.zeros(1, np.int8), shape, (0,) * len(shape))
    zero = np.zeros(1, np.intp)
    fake = [np.lib.stride_tricks.as_strided(zero, s, (0,) * len(s)) for s in index_shapes]
    try:
        return dummy[build_index(index_spec, fake)].shape
    except (IndexError, ValueError, TypeError) as err:
        avals = [ShapedArray(s, np.intp) for s in index_shapes]
        raise ShapeError(f"{name}: index {describe_index(index_spec, avals)} is invalid for an "
                         f"operand of shape {shape}: {err}") from None


def checked_indexed_shape(name: str, operand: ShapedArray, indices, index_spec) -> tuple:
    """Validate ``index_spec`` against the index avals, then return ``operand[index]``'s shape."""
    _check_index_spec(name, index_spec, indices)
    return indexed_shape(name, operand.shape, index_spec, tuple(i.shape for i in indices))
