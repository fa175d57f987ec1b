"""The contraction primitive ``dot_general``: batched tensor products on BLAS.

``dot_general(lhs, rhs, (((lhs_contract), (rhs_contract)), ((lhs_batch), (rhs_batch))))``
sums over the contracting dimensions, pairs up the batch dimensions, and lays the result out
as JAX does: batch dimensions, then the free dimensions of ``lhs``, then those of ``rhs``.

The eager impl reduces every case to one ``matmul`` of ``(B, M, K) @ (B, K, N)`` stacks, so
large products run on BLAS; operands already in a matrix layout (``x @ w``, ``x @ w.T``,
``x.T @ y``) are passed as views, without a copy. float16/bfloat16 products accumulate in
float32 (BLAS sgemm), rounded once to the result dtype, as JAX's do on CPU.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "dot_general_p",
    "dot_general",
    "dot",
]

from fungrad import core, dtypes
from fungrad.array_module import get_array_module
from fungrad.core import Primitive, ShapedArray
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import batching_rules, move_axis
from fungrad.interpreters.jvp import defjvp
from fungrad.interpreters.linearize import deflinearize_multilinear, is_linear, transpose_rules
from fungrad.lax.comparison import convert_element_type
from fungrad.lax.shape_ops import transpose

dot_general_p = Primitive("dot_general")


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None, *,
                out_sharding=None):
    """Contract ``lhs`` with ``rhs`` over paired dimensions, with optional batch dimensions.

    Args:
        lhs, rhs: arrays of one dtype (rank-0 literals adopt the other's dtype).
        dimension_numbers: ``((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))``, each
            a sequence of dimension indices.
        precision: accepted for JAX compatibility (``lax.Precision`` or None) and ignored:
            NumPy/BLAS compute in the operands' dtype.
        preferred_element_type: dtype of the result (the operands are cast to it first).
        out_sharding: accepted for JAX compatibility; must be None (no sharding).

    Returns:
        An array of shape ``batch + lhs_free + rhs_free``.

    Example:
        >>> import numpy as np
        >>> x, w = np.ones((2, 3)), np.ones((3, 4))
        >>> dot_general(x, w, (((1,), (0,)), ((), ()))).shape  # x @ w
        (2, 4)
    """
    del precision
    if out_sharding is not None:
        raise NotImplementedError("lax.dot_general: out_sharding is not supported (fungrad "
                                  "has no sharding); pass None.")
    (lc, rc), (lb, rb) = dimension_numbers
    dims = ((_ints(lc), _ints(rc)), (_ints(lb), _ints(rb)))
    if preferred_element_type is not None:
        preferred_element_type = np.dtype(preferred_element_type)
    return dot_general_p.bind(lhs, rhs, dimension_numbers=dims,
                              preferred_element_type=preferred_element_type)


def dot(lhs, rhs, *, dimension_numbers=None, precision=None, preferred_element_type=None,
        out_sharding=None):
    """Vector/matrix product of 1-D or 2-D operands: contract lhs's last axis with rhs's first.

    Args:
        lhs, rhs: arrays of rank 1 or 2 and one dtype.
        dimension_numbers: if given, ``dot`` is :func:`dot_general` with them.
        precision, out_sharding: as in :func:`dot_general`.
        preferred_element_type: dtype of the result.

    Returns:
        ``lhs @ rhs``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.dot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0]))
        array([-1., -1.])
    """
    if dimension_numbers is None:
        lhs_rank = len(core.shape_of(lhs))
        dimension_numbers = (((lhs_rank - 1,), (0,)), ((), ()))
    return dot_general(lhs, rhs, dimension_numbers, precision,
                       preferred_element_type=preferred_element_type, out_sharding=out_sharding)


def _ints(dims) -> tuple[int, ...]:
    return tuple(map(int, dims))


def free_dims(rank: int, contract, batch) -> tuple[int, ...]:
    """The dimensions of an operand that are neither contracted nor batched, in order."""
    # A loop, not a generator: this runs for every product staged or transposed.
    free = []
    for d in range(rank):
        if d not in contract and d not in batch:
            free.append(d)
    return tuple(free)


# ---------------------------------------------------------------------------------------
# Shape rule


def _dot_general_abstract_eval(lhs, rhs, *, dimension_numbers, preferred_element_type):
    (lc, rc), (lb, rb) = dimension_numbers
    lshape, rshape = lhs.shape, rhs.shape
    if not _dims_fit(lshape, rshape, lc, rc, lb, rb):
        _check_dims(lhs, rhs, dimension_numbers)  # raises, saying what does not fit
    dtype = lhs.dtype
    if dtype != rhs.dtype or lhs.weak_type or rhs.weak_type:
        dtype = core.check_same_dtypes("dot_general", lhs, rhs)
    if preferred_element_type is not None:
        dtype = preferred_element_type
    shape = []
    for d in lb:
        shape.append(lshape[d])
    for d in free_dims(len(lshape), lc, lb):
        shape.append(lshape[d])
    for d in free_dims(len(rshape), rc, rb):
        shape.append(rshape[d])
    return ShapedArray(tuple(shape), dtype, lhs.weak_type and rhs.weak_type)


def _dims_fit(lshape, rshape, lc, rc, lb, rb) -> bool:
    """Whether the dimension numbers fit the shapes (:func:`_check_dims` says why not)."""
    if len(lc) != len(rc) or len(lb) != len(rb):
        return False
    for dims, rank in ((lc + lb, len(lshape)), (rc + rb, len(rshape))):
        if len(set(dims)) != len(dims):
            return False
        for d in dims:
            if not 0 <= d < rank:
                return False
    for ldims, rdims in ((lc, rc), (lb, rb)):
        for ld, rd in zip(ldims, rdims):
            if lshape[ld] != rshape[rd]:
                return False
    return True


def _check_dims(lhs, rhs, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    where = (f"dot_general: lhs shape {lhs.shape}, rhs shape {rhs.shape}, "
             f"dimension_numbers={dimension_numbers}")
    for name, dims, rank in [("lhs", lc + lb, lhs.ndim), ("rhs", rc + rb, rhs.ndim)]:
        if any(not 0 <= d < rank for d in dims) or len(set(dims)) != len(dims):
            raise ShapeError(f"{where}: the {name} contracting and batch dimensions must be "
                             f"distinct dimensions in range(0, {rank})")
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise ShapeError(f"{where}: lhs and rhs need as many contracting dimensions and as many "
                         "batch dimensions as each other")
    for kind, ldims, rdims in [("contracting", lc, rc), ("batch", lb, rb)]:
        lsizes = tuple(lhs.shape[d] for d in ldims)
        rsizes = tuple(rhs.shape[d] for d in rdims)
        if lsizes != rsizes:
            raise ShapeError(f"{where}: {kind} dimensions have sizes {lsizes} (lhs) and "
                             f"{rsizes} (rhs), which must be equal")


# ---------------------------------------------------------------------------------------
# Eager impl: everything becomes one matmul of (B, M, K) @ (B, K, N) stacks


def _dot_general_impl(lhs, rhs, *, dimension_numbers, preferred_element_type):
    if (type(lhs) is np.ndarray and type(rhs) is np.ndarray and preferred_element_type is None
            and lhs.dtype is rhs.dtype and lhs.dtype.kind in "fc" and lhs.dtype.itemsize > 2):
        # Two host arrays of one float dtype (not a 16-bit one): nothing to convert. This
        # runs three times per layer of an eager grad step.
        return _contract(lhs, rhs, dimension_numbers)
    lhs, rhs, out_dtype = _as_arrays(lhs, rhs, preferred_element_type)
    out = _contract(lhs, rhs, dimension_numbers)
    return out if out_dtype is None or out.dtype == out_dtype else out.astype(out_dtype)


def _contract(lhs, rhs, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    if not lb and lhs.ndim == 2 and rhs.ndim == 2 and len(lc) == 1:
        # The common case (x @ w, x @ w.T, x.T @ y): one BLAS call on views.
        return get_array_module(lhs).matmul(lhs if lc[0] == 1 else lhs.T,
                                            rhs if rc[0] == 0 else rhs.T)
    lfree, rfree = free_dims(lhs.ndim, lc, lb), free_dims(rhs.ndim, rc, rb)
    out_shape = (tuple(lhs.shape[d] for d in lb) + tuple(lhs.shape[d] for d in lfree)
                 + tuple(rhs.shape[d] for d in rfree))
    left = _matrix_stack(lhs, lb, lfree, lc)
    right = _matrix_stack(rhs, rb, rc, rfree)
    if left.shape[-1] == 1:  # nothing to sum: an outer product, done elementwise
        out = left * right
    else:
        out = get_array_module(left).matmul(left, right)
    return out.reshape(out_shape)


def _as_arrays(lhs, rhs, preferred_element_type):
    """Turn rank-0 literals into arrays of the other operand's dtype; cast both to the dtype
    the product is computed in. Returns ``(lhs, rhs, out_dtype)``, ``out_dtype`` being the
    dtype to round the product to (None: the computed one)."""
    xp = get_array_module(lhs, rhs)
    if core.is_literal(lhs):
        lhs = xp.asarray(lhs, dtype=None if core.is_literal(rhs) else rhs.dtype)
    if core.is_literal(rhs):
        rhs = xp.asarray(rhs, dtype=lhs.dtype)
    out_dtype = lhs.dtype if preferred_element_type is None else preferred_element_type
    compute = compute_dtype(lhs.dtype, out_dtype)
    lhs = lhs.astype(compute, copy=False)
    rhs = rhs.astype(compute, copy=False)
    return lhs, rhs, out_dtype


def compute_dtype(operand_dtype, out_dtype) -> np.dtype:
    """The dtype a product of ``operand_dtype`` values with result ``out_dtype`` runs in.

    The result dtype, except that 16-bit floats (operands or result) compute in float32 (or
    the wider of float32 and the other dtype), so products accumulate in float32.
    """
    if (isinstance(operand_dtype, np.dtype) and operand_dtype == out_dtype
            and operand_dtype.kind in "fc" and operand_dtype.itemsize > 2):
        return operand_dtype  # the common case: no 16-bit float involved
    operand_dtype, out_dtype = np.dtype(operand_dtype), np.dtype(out_dtype)
    if not (dtypes.is_low_precision(operand_dtype) or dtypes.is_low_precision(out_dtype)):
        return out_dtype
    return np.result_type(dtypes.accumulation_dtype(operand_dtype),
                          dtypes.accumulation_dtype(out_dtype), np.float32)


def _matrix_stack(x, batch, rows, cols):
    """View ``x`` as a ``(B, R, C)`` stack (``(R, C)`` without batch dims).

    When ``x`` is laid out as (batch, cols, rows) the stack is built transposed and swapped
    back, so that the reshape is a view and BLAS reads the operand in place.
    """
    shape = x.shape
    sizes = [math.prod(shape[d] for d in dims) for dims in (batch, rows, cols)]
    lead = (sizes[0],) if batch else ()
    direct = batch + rows + cols
    swapped = batch + cols + rows
    if swapped != direct and list(swapped) == sorted(swapped):
        return x.reshape(lead + (sizes[2], sizes[1])).swapaxes(-1, -2)
    return x.transpose(direct).reshape(lead + (sizes[1], sizes[2]))


# ---------------------------------------------------------------------------------------
# Derivatives: bilinear, so the JVP applies dot_general to each tangent and the transpose
# with respect to one operand is a dot_general of the cotangent with the other.


def _dot_general_transpose(ct, lhs, rhs, *, dimension_numbers, preferred_element_type):
    lhs_linear = is_linear(lhs)
    if lhs_linear and is_linear(rhs):
        raise TypeError("dot_general: transposing a product of two linear values (not linear)")
    (lc, rc), (lb, _) = dimension_numbers
    if lhs_linear:
        ct = _cast_like(ct, lhs.aval)
        if not lb and len(lc) == 1 and lhs.aval.ndim == 2 and len(core.shape_of(rhs)) == 2:
            return [_matrix_transpose_lhs(ct, rhs, lc[0], rc[0]), None]
        return [_transpose_lhs(ct, rhs, lhs.aval, dimension_numbers), None]
    ct = _cast_like(ct, rhs.aval)
    if not lb and len(lc) == 1 and rhs.aval.ndim == 2 and len(core.shape_of(lhs)) == 2:
        return [None, _matrix_transpose_rhs(ct, lhs, lc[0], rc[0])]
    return [None, _transpose_rhs(ct, lhs, rhs.aval, dimension_numbers)]


# Matrix products (2-D operands, one contracted dimension each, no batch): ct has the
# shape (lhs free, rhs free), and the cotangent of either operand is one product whose
# operand order gives it that operand's layout, with no transpose after it (the general
# rules below build the same products from the dimension numbers). These run twice per
# layer of every grad.


def _matrix_transpose_lhs(ct, rhs, i: int, j: int):
    """Cotangent of a matrix lhs contracted on its dimension ``i`` with rhs's ``j``."""
    if i == 1:  # lhs (M, K): ct (M, N) against rhs's free dimension
        return dot_general_p.bind(ct, rhs, dimension_numbers=(((1,), (1 - j,)), ((), ())),
                                  preferred_element_type=None)
    return dot_general_p.bind(rhs, ct, dimension_numbers=(((1 - j,), (1,)), ((), ())),
                              preferred_element_type=None)


def _matrix_transpose_rhs(ct, lhs, i: int, j: int):
    """Cotangent of a matrix rhs contracted on its dimension ``j`` with lhs's ``i``."""
    if j == 0:  # rhs (K, N): lhs's contracted dimension against ct's first
        return dot_general_p.bind(lhs, ct, dimension_numbers=(((1 - i,), (0,)), ((), ())),
                                  preferred_element_type=None)
    return dot_general_p.bind(ct, lhs, dimension_numbers=(((0,), (1 - i,)), ((), ())),
                              preferred_element_type=None)


def _cast_like(ct, aval):
    dtype = ct.dtype if type(ct) is np.ndarray else core.get_aval(ct).dtype
    if dtype == aval.dtype:
        return ct
    return convert_element_type(ct, aval.dtype)


def _transpose_lhs(ct, rhs, lhs_aval, dimension_numbers):
    """Cotangent of lhs: contract ct's rhs-free axes with rhs, then restore lhs's layout."""
    (lc, rc), (lb, rb) = dimension_numbers
    rhs_rank = len(core.shape_of(rhs))
    lfree = free_dims(lhs_aval.ndim, lc, lb)
    rfree = free_dims(rhs_rank, rc, rb)
    nb, start = len(lb), len(lb) + len(lfree)
    ct_rfree = tuple(range(start, start + len(rfree)))
    # Dimension numbers built here are tuples of ints already: bind without the wrapper.
    out = dot_general_p.bind(ct, rhs, dimension_numbers=((ct_rfree, rfree), (tuple(range(nb)), rb)),
                             preferred_element_type=None)
    # out's layout: batch, lhs free, then rhs's contracting dims in increasing order.
    src = list(lb) + list(lfree) + [lc[rc.index(d)] for d in sorted(rc)]
    return _to_layout(out, src)


def _transpose_rhs(ct, lhs, rhs_aval, dimension_numbers):
    """Cotangent of rhs: contract lhs with ct's lhs-free axes, then restore rhs's layout."""
    (lc, rc), (lb, rb) = dimension_numbers
    lhs_rank = len(core.shape_of(lhs))
    lfree = free_dims(lhs_rank, lc, lb)
    rfree = free_dims(rhs_aval.ndim, rc, rb)
    nb = len(lb)
    ct_lfree = tuple(range(nb, nb + len(lfree)))
    out = dot_general_p.bind(lhs, ct, dimension_numbers=((lfree, ct_lfree), (lb, tuple(range(nb)))),
                             preferred_element_type=None)
    # out's layout: batch, lhs's contracting dims in increasing order, then rhs free.
    src = list(rb) + [rc[lc.index(d)] for d in sorted(lc)] + list(rfree)
    return _to_layout(out, src)


def _to_layout(x, src):
    """Transpose ``x`` whose axis i is operand dimension ``src[i]`` into operand order."""
    # The argsort of distinct ints, by a C-level sort (np.argsort converts the list first).
    return transpose(x, tuple(sorted(range(len(src)), key=src.__getitem__)))


dot_general_p.def_impl(_dot_general_impl)
dot_general_p.def_abstract_eval(_dot_general_abstract_eval)
defjvp(dot_general_p,
       lambda t, ans, lhs, rhs, **params: dot_general_p.bind(t, rhs, **params),
       lambda t, ans, lhs, rhs, **params: dot_general_p.bind(lhs, t, **params))
deflinearize_multilinear(dot_general_p, 0, 1)
transpose_rules[dot_general_p] = _dot_general_transpose
dot_general_p.linear = True  # linear in each operand separately (bilinear)


# ---------------------------------------------------------------------------------------
# Batching: the mapped axis becomes one more batch dimension (both operands batched) or one
# more free dimension (one operand batched), so a vmapped product stays one dot_general.


def _shift(dims, bdim):
    """Renumber an example's dimensions for a value whose batch axis sits at ``bdim``."""
    return tuple(d + (d >= bdim) for d in dims)


def _dot_general_batch(vals, dims, *, dimension_numbers, preferred_element_type):
    (lhs, rhs), (ld, rd) = vals, dims
    (lc, rc), (lb, rb) = dimension_numbers
    params = dict(preferred_element_type=preferred_element_type)
    if ld is not None and rd is not None:
        lhs, rhs = move_axis(lhs, ld, 0), move_axis(rhs, rd, 0)
        lc, rc, lb, rb = (tuple(d + 1 for d in ds) for ds in (lc, rc, lb, rb))
        numbers = ((lc, rc), ((0, *lb), (0, *rb)))
        return dot_general_p.bind(lhs, rhs, dimension_numbers=numbers, **params), 0
    if ld is not None:
        lc, lb = _shift(lc, ld), _shift(lb, ld)
        lfree = free_dims(len(core.shape_of(lhs)), lc, lb)
        out_dim = len(lb) + lfree.index(ld)
    else:
        rc, rb = _shift(rc, rd), _shift(rb, rd)
        lfree = free_dims(len(core.shape_of(lhs)), lc, lb)
        rfree = free_dims(len(core.shape_of(rhs)), rc, rb)
        out_dim = len(lb) + len(lfree) + rfree.index(rd)
    numbers = ((lc, rc), (lb, rb))
    return dot_general_p.bind(lhs, rhs, dimension_numbers=numbers, **params), out_dim


batching_rules[dot_general_p] = _dot_general_batch
