"""Products and contractions of fungrad.numpy: dot, matmul, vdot, inner, outer, tensordot,
einsum. Each lowers to ``lax.dot_general`` (BLAS) plus shape primitives."""

from __future__ import annotations

import numpy as np

__all__ = ["dot", "matmul", "vdot", "vecdot", "inner", "tensordot", "einsum",
           "einsum_path"]

from fungrad import lax
from fungrad.core import get_aval, shape_of
from fungrad.errors import ShapeError, user_site
from fungrad.numpy.complex_parts import conj
from fungrad.numpy.promotion import (
    as_operand,
    broadcast_to_shape,
    promote,
    promote_dtypes,
    result_shape,
    to_dtype,
)
from fungrad.numpy.reductions import sum as _sum
from fungrad.numpy.reshaping import normalize_axis
from fungrad.numpy.unsupported_arguments import IMMUTABLE, reject_sharding, reject_unsupported


def _operands(fn_name: str, a, b):
    """Validate and promote two operands to their common dtype (no broadcasting)."""
    a, b = as_operand(a), as_operand(b)
    dtype = getattr(a, "dtype", None)
    if dtype is not None and dtype == getattr(b, "dtype", None):
        return a, b  # the common case; equal dtypes need no promotion, weak or not
    return promote_dtypes(fn_name, a, b)


def _shape_error(fn_name: str, a, b, what: str) -> ShapeError:
    return ShapeError(f"fnp.{fn_name}: shapes {tuple(shape_of(a))} and {tuple(shape_of(b))} "
                      f"are not aligned: {what}\n  at {user_site()}")


def _contract(fn_name: str, a, b, a_axes, b_axes):
    """dot_general after checking that the paired axes have equal sizes."""
    sa, sb = shape_of(a), shape_of(b)
    for i, j in zip(a_axes, b_axes, strict=True):
        if sa[i] != sb[j]:
            raise _shape_error(fn_name, a, b, f"axis {i} of the first (size {sa[i]}) must "
                               f"equal axis {j} of the second (size {sb[j]})")
    return lax.dot_general(a, b, ((tuple(a_axes), tuple(b_axes)), ((), ())))


def _scalar_product(fn_name: str, a, b):
    """The product when an operand is 0-D: plain elementwise multiplication."""
    a, b = promote(fn_name, a, b)
    return lax.mul(a, b)


def dot(a, b, *, precision=None, preferred_element_type=None, out_sharding=None):
    """Dot product with NumPy's rules: matrix product for 2-D, sum over a's last axis and b's
    second-to-last for N-D, elementwise product when either is 0-D.

    Args:
        a, b: arrays, scalars or nested lists.
        precision: accepted for JAX compatibility; ignored.
        preferred_element_type: dtype of the result.
        out_sharding: must be None (fungrad has no sharding).

    Returns:
        ``numpy.dot(a, b)``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.dot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
        array([3., 7.])
        >>> fnp.dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])).item()
        11.0
    """
    if out_sharding is not None:
        reject_sharding("dot", out_sharding=out_sharding)
    a, b = _operands("dot", a, b)
    a, b = _preferred(a, b, preferred_element_type)
    na, nb = len(shape_of(a)), len(shape_of(b))
    if na == 0 or nb == 0:
        return _scalar_product("dot", a, b)
    return _contract("dot", a, b, (na - 1,), (max(nb - 2, 0),))


def _preferred(a, b, dtype):
    if dtype is None:
        return a, b
    dtype = np.dtype(dtype)
    return to_dtype(a, dtype), to_dtype(b, dtype)


def matmul(a, b, *, precision=None, preferred_element_type=None, out_sharding=None):
    """Matrix product with broadcasting batch dimensions (the ``@`` operator).

    1-D operands are promoted to matrices (a row for ``a``, a column for ``b``) and the added
    axis is removed from the result; leading dimensions broadcast like NumPy's.

    Args:
        a, b: arrays of rank >= 1 (or nested lists).
        precision: accepted for JAX compatibility; ignored.
        preferred_element_type: dtype of the result.
        out_sharding: must be None (fungrad has no sharding).

    Returns:
        ``numpy.matmul(a, b)``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.matmul(np.ones((5, 2, 3)), np.ones((3, 4))).shape
        (5, 2, 4)
    """
    if out_sharding is not None:
        reject_sharding("matmul", out_sharding=out_sharding)
    a, b = _operands("matmul", a, b)
    a, b = _preferred(a, b, preferred_element_type)
    sa, sb = shape_of(a), shape_of(b)
    na, nb = len(sa), len(sb)
    if na == 0 or nb == 0:
        raise ShapeError(f"fnp.matmul: operands must have at least one dimension, got shapes "
                         f"{tuple(sa)} and {tuple(sb)}; use fnp.multiply (or *) for scalars."
                         f"\n  at {user_site()}")
    b_k = 0 if nb == 1 else nb - 2
    if sa[-1] != sb[b_k]:
        raise _shape_error("matmul", a, b, f"the last axis of the first (size {sa[-1]}) must "
                           f"equal the {'only' if nb == 1 else 'second-to-last'} axis of the "
                           f"second (size {sb[b_k]})")
    if na == 1 or nb <= 2:
        # No batch broadcasting needed: contract directly; dot_general's layout (a's free
        # axes, then b's) is already matmul's.
        return _contract("matmul", a, b, (na - 1,), (b_k,))
    if na == 2:
        out = _contract("matmul", a, b, (1,), (b_k,))  # (M, *batch, N)
        return lax.transpose(out, tuple(range(1, nb - 1)) + (0, nb - 1))
    return _batched_matmul(a, b)


def _batched_matmul(a, b):
    """matmul of two operands of rank >= 3 (the batch shapes broadcast)."""
    sa, sb = shape_of(a), shape_of(b)
    try:
        batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise _shape_error("matmul", a, b, f"batch shapes {tuple(sa[:-2])} and "
                           f"{tuple(sb[:-2])} do not broadcast") from None
    a = _broadcast_batch(a, batch)
    b = _broadcast_batch(b, batch)
    nbatch = tuple(range(len(batch)))
    nd = len(batch)
    return lax.dot_general(a, b, (((nd + 1,), (nd,)), (nbatch, nbatch)))


def _broadcast_batch(x, batch):
    shape = tuple(batch) + tuple(shape_of(x)[-2:])
    if shape_of(x) == shape:
        return x
    lead = len(shape) - len(shape_of(x))
    return lax.broadcast_in_dim(x, shape, tuple(range(lead, len(shape))))


def vdot(a, b, *, precision=None, preferred_element_type=None):
    """Dot product of the flattened operands, conjugating ``a`` (like ``numpy.vdot``).

    Args:
        a, b: arrays with the same number of elements.
        precision: accepted for JAX compatibility; ignored.
        preferred_element_type: dtype of the result.

    Returns:
        A scalar: ``sum(conj(a).ravel() * b.ravel())``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.vdot(np.array([1j, 2.0]), np.array([1j, 3.0])).item()
        (7+0j)
    """
    a, b = _operands("vdot", a, b)
    a, b = _preferred(a, b, preferred_element_type)
    a_flat = lax.reshape(a, (get_aval(a).size,))
    b_flat = lax.reshape(b, (get_aval(b).size,))
    if get_aval(a).dtype.kind == "c":
        a_flat = lax.conj(a_flat)  # numpy.vdot conjugates its first operand
    if get_aval(a).size != get_aval(b).size:
        raise _shape_error("vdot", a, b, "both must have the same number of elements")
    return _contract("vdot", a_flat, b_flat, (0,), (0,))


def inner(a, b, *, precision=None, preferred_element_type=None):
    """Inner product over the last axes (elementwise product when either is 0-D).

    Args:
        a, b: arrays whose last axes have equal sizes.
        precision: accepted for JAX compatibility; ignored.
        preferred_element_type: dtype of the result.

    Returns:
        An array of shape ``a.shape[:-1] + b.shape[:-1]``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.inner(np.array([1.0, 2.0]), np.array([[1.0, 0.0], [0.0, 1.0]]))
        array([1., 2.])
    """
    a, b = _operands("inner", a, b)
    a, b = _preferred(a, b, preferred_element_type)
    na, nb = len(shape_of(a)), len(shape_of(b))
    if na == 0 or nb == 0:
        return _scalar_product("inner", a, b)
    return _contract("inner", a, b, (na - 1,), (nb - 1,))


def _no_out(fn_name, out):
    reject_unsupported(fn_name, IMMUTABLE, "use the return value", out=out)


def tensordot(a, b, axes=2, *, precision=None, preferred_element_type=None,
              out_sharding=None):
    """Sum products over the given axes: the last ``axes`` of a with the first of b, or the
    pairs ``axes=(a_axes, b_axes)``.

    Args:
        a, b: arrays.
        axes: an int N, or a pair of ints or of equal-length sequences of axes.
        precision: accepted for JAX compatibility; ignored.
        preferred_element_type: dtype of the result.
        out_sharding: must be None (fungrad has no sharding).

    Returns:
        An array of shape ``a``'s free axes + ``b``'s free axes.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.tensordot(np.ones((2, 3, 4)), np.ones((3, 4, 5)), axes=2).shape
        (2, 5)
        >>> fnp.tensordot(np.ones((2, 3)), np.ones((3, 2)), axes=([1], [0]))
        array([[3., 3.],
               [3., 3.]])
    """
    reject_sharding("tensordot", out_sharding=out_sharding)
    a, b = _operands("tensordot", a, b)
    a, b = _preferred(a, b, preferred_element_type)
    na, nb = len(shape_of(a)), len(shape_of(b))
    a_axes, b_axes = _tensordot_axes(axes, na, nb, a, b)
    return _contract("tensordot", a, b, a_axes, b_axes)


def _tensordot_axes(axes, na, nb, a, b):
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if not 0 <= n <= min(na, nb):
            raise _shape_error("tensordot", a, b, f"axes={n} must be in [0, {min(na, nb)}]")
        return tuple(range(na - n, na)), tuple(range(n))
    try:
        a_axes, b_axes = axes
    except (TypeError, ValueError):
        raise TypeError(f"fnp.tensordot: axes must be an int or a pair of axis sequences, got "
                        f"{axes!r}") from None
    a_axes = _axis_tuple(a_axes, na, "tensordot", a, b)
    b_axes = _axis_tuple(b_axes, nb, "tensordot", a, b)
    if len(a_axes) != len(b_axes):
        raise _shape_error("tensordot", a, b, f"axes {a_axes} and {b_axes} must have the "
                           "same length")
    return a_axes, b_axes


def _axis_tuple(axes, ndim, fn_name, a, b):
    axes = (axes,) if isinstance(axes, (int, np.integer)) else tuple(axes)
    for ax in axes:
        if not -ndim <= int(ax) < ndim:
            raise _shape_error(fn_name, a, b, f"axis {ax} is out of range for rank {ndim}")
    return tuple(int(ax) % ndim for ax in axes)


# ---------------------------------------------------------------------------------------
# einsum


def einsum(subscripts: str, /, *operands, out=None, optimize=True, precision=None,
           preferred_element_type=None, out_sharding=None):
    """Einstein summation, like ``numpy.einsum`` (string subscripts, ``...``, implicit output,
    or NumPy's interleaved form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``).

    The operands are contracted pairwise (cheapest pair first) with ``dot_general``;
    repeated labels in one operand take its diagonal; labels used nowhere else are summed.

    Args:
        subscripts: e.g. ``"ij,jk->ik"``, ``"bij,bjk->bik"``, ``"ii"``, ``"...ij->...ji"``.
        *operands: the arrays, one per comma-separated term.
        out: must be None.
        optimize, precision: accepted for NumPy/JAX compatibility; ignored.
        preferred_element_type: dtype of the result.
        out_sharding: must be None (fungrad has no sharding).

    Returns:
        The contraction, with axes in the output subscript's order.

    Example:
        >>> import numpy as np
        >>> a, b = np.ones((2, 3)), np.ones((3, 4))
        >>> einsum("ij,jk->ik", a, b).shape  # a @ b
        (2, 4)
        >>> einsum(a, [0, 1], b, [1, 2], [0, 2]).shape  # the same, interleaved
        (2, 4)
    """
    _no_out("einsum", out)
    reject_sharding("einsum", out_sharding=out_sharding)
    if not isinstance(subscripts, str):
        subscripts, operands = _sublist_subscripts(subscripts, operands)
    operands = promote_dtypes("einsum", *[as_operand(x) for x in operands])
    if preferred_element_type is not None:
        operands = [to_dtype(x, np.dtype(preferred_element_type)) for x in operands]
    terms, out_labels, sizes = _parse_einsum(subscripts, [tuple(shape_of(x)) for x in operands])
    ops = [_prepare_operand(x, labels, sizes) for x, labels in zip(operands, terms, strict=True)]
    ops = [_sum_unused(x, labels, out_labels, ops, i) for i, (x, labels) in enumerate(ops)]
    while len(ops) > 1:
        i, j = _cheapest_pair(ops, out_labels, sizes)
        rest = [op for k, op in enumerate(ops) if k not in (i, j)]
        ops = rest + [_contract_pair(ops[i], ops[j], out_labels, rest)]
    x, labels = ops[0]
    x, labels = _sum_unused(x, labels, out_labels, [], 0)
    return lax.transpose(x, tuple(labels.index(lbl) for lbl in out_labels))


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _sublist_subscripts(first, rest) -> tuple[str, list]:
    """NumPy's interleaved form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as a subscript string
    and the operands. Integer labels keep their order (as letters), so an implicit output
    lists them in increasing order, as NumPy does; ``...`` stands for an ellipsis."""
    args = [first, *rest]
    pairs, output = args[:len(args) // 2 * 2], args[len(args) // 2 * 2:]
    operands, sublists = pairs[0::2], pairs[1::2]
    for k, sub in enumerate(sublists + output):
        if isinstance(sub, str) or not hasattr(sub, "__iter__"):
            raise TypeError("fnp.einsum: subscripts must be a string ('ij,jk->ik') or, in "
                            "the interleaved form einsum(a, [0, 1], b, [1, 2], [0, 2]), "
                            f"lists of ints and Ellipsis; argument {2 * k + 1} is "
                            f"{type(sub).__name__}")
    labels = sorted({int(i) for sub in sublists + output for i in sub if i is not Ellipsis})
    if len(labels) > len(_LETTERS):
        raise ValueError(f"fnp.einsum: {len(labels)} distinct labels; at most "
                         f"{len(_LETTERS)} are supported")
    letter = {i: _LETTERS[k] for k, i in enumerate(labels)}

    def term(sub):
        return "".join("..." if i is Ellipsis else letter[int(i)] for i in sub)

    text = ",".join(term(sub) for sub in sublists)
    if output:
        text += "->" + term(output[0])
    return text, operands


# Labels are letters (str) for named axes and ints for the axes under an ellipsis, numbered
# right-aligned so that broadcasting ellipses of different ranks share their trailing labels.


def _parse_einsum(subscripts: str, shapes):
    """Return (labels per operand, output labels, size per label)."""
    spec = subscripts.replace(" ", "")
    lhs, arrow, rhs = spec.partition("->")
    raw_terms = lhs.split(",")
    if len(raw_terms) != len(shapes):
        raise ValueError(f"fnp.einsum: subscripts {subscripts!r} name {len(raw_terms)} "
                         f"operands but {len(shapes)} were given (shapes {shapes})")
    pairs = list(zip(raw_terms, shapes, strict=True))
    n_ell = max((len(s) - len(t.replace("...", "")) for t, s in pairs if "..." in t), default=0)
    terms = [_term_labels(t, len(s), n_ell, subscripts, s) for t, s in pairs]
    if arrow:
        out = _term_labels(rhs, None, n_ell, subscripts, None)
        _check_output(out, terms, subscripts, shapes)
    else:
        counts = {}
        for t in terms:
            for lbl in t:
                counts[lbl] = counts.get(lbl, 0) + 1
        out = list(range(n_ell)) + sorted(k for k, c in counts.items()
                                          if isinstance(k, str) and c == 1)
    return terms, out, _label_sizes(terms, shapes, subscripts)


def _term_labels(term: str, rank, n_ell: int, subscripts: str, shape):
    """Expand one term into labels; ``rank`` None marks the output term."""
    head, ell, tail = term.partition("...")
    if "." in head + tail or not all(c.isalpha() for c in head + tail):
        raise ValueError(f"fnp.einsum: invalid subscript term {term!r} in {subscripts!r}: use "
                         "letters and at most one '...'")
    if not ell:
        n_here = 0
    else:
        n_here = n_ell if rank is None else rank - len(head) - len(tail)
    if rank is not None and (n_here < 0 or (not ell and len(head) != rank)):
        raise ShapeError(f"fnp.einsum: term {term!r} of {subscripts!r} names "
                         f"{len(head) + len(tail)} axes but its operand has shape {shape}"
                         f"\n  at {user_site()}")
    return list(head) + list(range(n_ell - n_here, n_ell)) + list(tail)


def _check_output(out, terms, subscripts, shapes):
    seen = {lbl for t in terms for lbl in t}
    for lbl in out:
        if isinstance(lbl, str) and lbl not in seen:
            raise ValueError(f"fnp.einsum: output label {lbl!r} of {subscripts!r} appears in "
                             "no input term")
    if len(set(out)) != len(out):
        raise ValueError(f"fnp.einsum: output of {subscripts!r} repeats a label")


def _label_sizes(terms, shapes, subscripts):
    sizes: dict = {}
    for t, shape in zip(terms, shapes, strict=True):
        for lbl, n in zip(t, shape, strict=True):
            prev = sizes.get(lbl, 1)
            if n != 1 and prev not in (1, n):
                raise ShapeError(f"fnp.einsum: label {_label_name(lbl)} of {subscripts!r} has "
                                 f"sizes {prev} and {n} in operands of shapes {shapes}; sizes "
                                 f"must match (or be 1, which broadcasts)\n  at {user_site()}")
            sizes[lbl] = n if n != 1 else prev
    return sizes


def _label_name(lbl) -> str:
    return repr(lbl) if isinstance(lbl, str) else "'...'"


def _prepare_operand(x, labels, sizes):
    """Drop broadcast size-1 axes and take diagonals of repeated labels."""
    shape = shape_of(x)
    keep = [i for i, lbl in enumerate(labels) if not (shape[i] == 1 and sizes[lbl] != 1)]
    if len(keep) != len(labels):
        labels = [labels[i] for i in keep]
        x = lax.reshape(x, tuple(shape[i] for i in keep))
    while len(set(labels)) != len(labels):
        i = next(k for k, lbl in enumerate(labels) if labels.index(lbl) != k)
        x = _diagonal(x, labels.index(labels[i]), i)
        labels = labels[:i] + labels[i + 1:]
    return x, labels


def _diagonal(x, axis1: int, axis2: int):
    """The diagonal over two equal-sized axes, kept at ``axis1`` (``axis2`` is removed)."""
    shape = shape_of(x)
    dtype = get_aval(x).dtype
    on_diagonal = lax.broadcast_in_dim(np.eye(shape[axis1], dtype=np.bool_), shape, (axis1, axis2))
    # A select, not x * eye: an inf off the diagonal times 0 would make the diagonal nan.
    zeros = lax.broadcast_in_dim(np.zeros((), dtype), shape, ())
    return lax.reduce_sum(lax.select_n(on_diagonal, zeros, x), (axis2,))


def _sum_unused(x, labels, out_labels, ops, index):
    """Sum the axes whose label is in no other operand and not in the output."""
    others = {lbl for k, (_, t) in enumerate(ops) if k != index for lbl in t}
    axes = tuple(i for i, lbl in enumerate(labels) if lbl not in others and
                 lbl not in out_labels)
    if not axes:
        return x, labels
    return lax.reduce_sum(x, axes), [lbl for i, lbl in enumerate(labels) if i not in axes]


def _pair_result(a_labels, b_labels, keep):
    shared = [lbl for lbl in a_labels if lbl in b_labels]
    batch = [lbl for lbl in shared if lbl in keep]
    contract = [lbl for lbl in shared if lbl not in keep]
    free_a = [lbl for lbl in a_labels if lbl not in shared]
    free_b = [lbl for lbl in b_labels if lbl not in shared]
    return batch, contract, free_a, free_b


def _cheapest_pair(ops, out_labels, sizes):
    """The pair of operands whose contraction gives the smallest result (greedy order)."""
    best = None
    for i in range(len(ops)):
        for j in range(i + 1, len(ops)):
            keep = set(out_labels).union(*[ops[k][1] for k in range(len(ops)) if k not in (i, j)])
            batch, _, free_a, free_b = _pair_result(ops[i][1], ops[j][1], keep)
            cost = int(np.prod([sizes[lbl] for lbl in batch + free_a + free_b]))
            if best is None or cost < best[0]:
                best = (cost, i, j)
    return best[1], best[2]


def _contract_pair(a_op, b_op, out_labels, rest):
    (a, a_labels), (b, b_labels) = a_op, b_op
    keep = set(out_labels).union(*[t for _, t in rest])
    batch, contract, free_a, free_b = _pair_result(a_labels, b_labels, keep)
    dims = ((tuple(a_labels.index(lbl) for lbl in contract),
             tuple(b_labels.index(lbl) for lbl in contract)),
            (tuple(a_labels.index(lbl) for lbl in batch),
             tuple(b_labels.index(lbl) for lbl in batch)))
    return lax.dot_general(a, b, dims), batch + free_a + free_b


def vecdot(x1, x2, /, *, axis: int = -1, precision=None, preferred_element_type=None):
    """The dot product of vectors along ``axis`` (the other axes broadcast):
    ``sum(conj(x1) * x2, axis)``.

    ``precision`` is accepted for JAX compatibility (NumPy arithmetic is always exact to
    its dtype); ``preferred_element_type`` sets the result dtype.

    >>> float(vecdot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    11.0
    """
    x1, x2 = promote("vecdot", as_operand(x1), as_operand(x2))
    x1, x2 = (broadcast_to_shape(x, result_shape("vecdot", [shape_of(x1), shape_of(x2)]))
              for x in (x1, x2))
    if not shape_of(x1):
        raise ShapeError("fnp.vecdot: the operands are scalars; they need a vector axis")
    axis = normalize_axis("vecdot", axis, len(shape_of(x1)))
    if preferred_element_type is not None:
        dt = np.dtype(preferred_element_type)
        x1, x2 = to_dtype(x1, dt), to_dtype(x2, dt)
    return _sum(conj(x1) * x2, axis=axis)


def einsum_path(subscripts, /, *operands, optimize="auto"):
    """The pairwise contraction order NumPy's optimizer picks for an einsum, and its report.

    Only the operands' shapes matter (they may be traced). ``fnp.einsum`` picks its own
    order (the cheapest pair first), so the path is for inspection.

    Args:
        subscripts: the einsum specification.
        operands: the arrays (or anything with a ``shape``).
        optimize: 'greedy', 'optimal', True/'auto' (greedy) or an explicit path.

    Returns:
        ``(path, report)``: a list of operand-index tuples, one per contraction, and
        NumPy's text report (without NumPy's leading 'einsum_path' entry, as jax.numpy;
        jax.numpy asks opt_einsum, whose order may differ).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a, b, c = np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 5))
        >>> fnp.einsum_path("ij,jk,kl->il", a, b, c)[0]
        [(1, 2), (0, 1)]
    """
    if optimize in (True, "auto"):
        optimize = "greedy"
    elif isinstance(optimize, list) and optimize[:1] != ["einsum_path"]:
        optimize = ["einsum_path", *optimize]
    if not isinstance(subscripts, str):
        subscripts, operands = _sublist_subscripts(subscripts, operands)
    # Zero-strided stand-ins: NumPy reads only their shapes and dtypes.
    stand_ins = [np.broadcast_to(np.zeros((), get_aval(as_operand(x)).dtype),
                                 shape_of(as_operand(x))) for x in operands]
    path, report = np.einsum_path(subscripts, *stand_ins, optimize=optimize)
    return [tuple(step) for step in path[1:]], report
