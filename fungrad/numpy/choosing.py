"""Choices of fungrad.numpy: select (the first true condition picks the value), piecewise
(the last true condition picks the function), choose (an index array picks), nan_to_num,
and compress/extract (the entries where a condition holds). The derivative reaches only
the chosen operand, as in ``fnp.where``.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.array_module import constant_like, to_host
from fungrad.core import concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError
from fungrad.lax import complex as _complex
from fungrad.numpy.complex_parts import imag, real
from fungrad.numpy.indexing import AtIndexer, take, take_along_axis
from fungrad.numpy.joining import stack
from fungrad.numpy.math import equal, isnan, maximum, minimum, remainder, where
from fungrad.numpy.promotion import as_operand, promote_dtypes
from fungrad.numpy.reshaping import broadcast_arrays, expand_dims, normalize_axis, ravel, squeeze
from fungrad.numpy.searching import nonzero

__all__ = ["select", "piecewise", "choose", "nan_to_num", "compress", "extract"]


def select(condlist, choicelist, default=0):
    """Choose, per element, from the entry of ``choicelist`` whose condition (in
    ``condlist``) is the first to hold; ``default`` where none holds.

    Args:
        condlist: a sequence of boolean arrays.
        choicelist: a sequence of arrays, as long as ``condlist``.
        default: the value where no condition holds.

    Returns:
        The broadcast of all conditions and choices, in their promoted dtype.

    Example:
        >>> import fungrad.numpy as fnp
        >>> x = fnp.arange(5.0)
        >>> fnp.select([x < 2, x > 3], [x, x ** 2], -1.0).tolist()
        [0.0, 1.0, -1.0, -1.0, 16.0]
    """
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise ValueError(f"fnp.select: condlist has {len(condlist)} entries but choicelist "
                         f"has {len(choicelist)}; they must be the same length")
    if not condlist:
        raise ValueError("fnp.select: condlist is empty; pass at least one condition")
    conds = [as_operand(c) for c in condlist]
    for i, c in enumerate(conds):
        if np.dtype(get_aval(c).dtype) != np.bool_:
            raise TypeError(f"fnp.select: condlist[{i}] has dtype {get_aval(c).dtype}, not "
                            "bool; compare it first (e.g. x > 0), as NumPy requires")
    *choices, out = promote_dtypes("select", *[as_operand(c) for c in choicelist],
                                   as_operand(default))
    for cond, choice in zip(reversed(conds), reversed(choices)):
        out = where(cond, choice, out)
    return out


def piecewise(x, condlist, funclist, *args, **kw):
    """``x`` mapped piece by piece: where ``condlist[k]`` holds, ``funclist[k](x)`` (or the
    constant ``funclist[k]``); a later true condition wins, and an extra last entry of
    ``funclist`` is used where none holds (0 otherwise).

    With concrete conditions (eagerly, and under grad/jvp) each function sees only the
    entries of its piece, as in NumPy (so ``fnp.log`` on the positive piece never sees a
    negative number); with traced ones (jit, vmap) every function sees all of ``x`` and
    ``fnp.where`` picks, as jax.numpy does.

    Args:
        x: the input array.
        condlist: boolean arrays shaped like ``x`` (or one such array).
        funclist: one function or scalar per condition, plus an optional default.
        *args, **kw: passed on to each function.

    Returns:
        An array shaped like ``x``, of ``x``'s dtype; differentiable through the functions.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> x = np.array([-1.0, 0.0, 2.0])
        >>> fnp.piecewise(x, [x < 0, x > 1], [lambda v: -v, lambda v: 10 * v, 7.0]).tolist()
        [1.0, 7.0, 20.0]
    """
    x = as_operand(x)
    shape, dtype = shape_of(x), np.dtype(get_aval(x).dtype)
    conds = _conditions(condlist, shape)
    funcs = list(funclist)
    if len(funcs) == len(conds) + 1:  # the default piece: where no condition holds
        none_holds = lax.bitwise_not(lax.reduce_or(stack(conds), (0,))) if conds else \
            lax.full(shape, True, np.dtype(np.bool_))
        conds.append(none_holds)
    elif len(funcs) != len(conds):
        raise ValueError(f"fnp.piecewise: funclist has {len(funcs)} entries for "
                         f"{len(conds)} conditions; give one per condition (plus an optional "
                         "default)")
    out = constant_like(lax.full(shape, 0, dtype), x)  # on x's device
    for cond, func in zip(conds, funcs):
        out = _piece(out, x, cond, func, args, kw)
    return out


def _conditions(condlist, shape) -> list:
    """``condlist`` as a list of boolean arrays shaped like ``x``."""
    single = (hasattr(condlist, "shape") and len(shape_of(condlist)) == len(shape)
              and (shape or not isinstance(condlist, (list, tuple))))
    if single or np.isscalar(condlist):
        condlist = [condlist]
    conds = []
    for c in condlist:
        c = as_operand(c)
        if np.dtype(get_aval(c).dtype) != np.bool_:
            c = lax.ne(c, np.dtype(get_aval(c).dtype).type(0))
        if shape_of(c) != shape:
            c = lax.broadcast_in_dim(c, shape, tuple(range(len(shape) - len(shape_of(c)),
                                                         len(shape))))
        conds.append(c)
    return conds


def _piece(out, x, cond, func, args, kw):
    """``out`` with the entries where ``cond`` holds set from ``func``."""
    dtype = np.dtype(get_aval(out).dtype)
    if not callable(func):
        return where(cond, lax.convert_element_type(as_operand(func), dtype), out)
    known = concrete_or_none(cond)
    if known is None:
        value = as_operand(func(x, *args, **kw))
        return where(cond, lax.convert_element_type(value, dtype), out)
    (positions,) = np.nonzero(np.ravel(np.asarray(to_host(known))))  # host index metadata
    if positions.size == 0:
        return out
    flat = ravel(out)
    value = ravel(as_operand(func(take(ravel(x), positions), *args, **kw)))
    value = lax.convert_element_type(value, dtype)
    if shape_of(value) == (1,) and positions.size > 1:
        value = lax.broadcast_in_dim(lax.reshape(value, ()), (positions.size,), ())
    return lax.reshape(AtIndexer(flat)[positions].set(value), shape_of(out))


def nan_to_num(x, copy: bool = True, nan=0.0, posinf=None, neginf=None):
    """Replace NaN by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (defaults: the
    largest and most negative finite values of the dtype); real and imaginary parts of
    complex input separately. Replaced entries have zero derivative.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.nan_to_num(np.array([np.nan, 1.0, -np.inf]), neginf=-9.0).tolist()
        [0.0, 1.0, -9.0]
    """
    x = as_operand(x)
    dtype = np.dtype(get_aval(x).dtype)
    if dtype.kind == "c":
        parts = [nan_to_num(p, copy, nan, posinf, neginf) for p in (real(x), imag(x))]
        return _complex(*parts)
    if dtype.kind != "f":
        return x
    big = np.finfo(dtype).max
    posinf = big if posinf is None else posinf
    neginf = -big if neginf is None else neginf
    out = where(isnan(x), nan, x)
    out = where(equal(x, np.inf), posinf, out)
    return where(equal(x, -np.inf), neginf, out)


_CHOOSE_MODES = ("raise", "wrap", "clip")


def choose(a, choices, out=None, mode: str = "raise"):
    """Per element, the entry of ``choices[a]`` (``a``, the choices and each other
    broadcast together); differentiable in the choices.

    Args:
        a: integer indices into ``choices``.
        choices: a sequence of arrays.
        mode: "raise" (out-of-range indices are an error; needs a concrete ``a``), "wrap"
            (indices modulo the number of choices) or "clip".

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.choose(np.array([0, 1, 0]), [np.array([1, 2, 3]), np.array([10, 20, 30])]).tolist()
        [1, 20, 3]
    """
    if out is not None:
        raise NotImplementedError("fnp.choose: `out` is not supported (arrays are immutable)")
    if mode not in _CHOOSE_MODES:
        raise ValueError(f"fnp.choose: mode must be one of {_CHOOSE_MODES}, got {mode!r}")
    a = as_operand(a)
    if np.dtype(get_aval(a).dtype).kind not in "iu":
        raise TypeError(f"fnp.choose: a must hold integer indices, got dtype "
                        f"{get_aval(a).dtype}")
    choices = list(choices)
    n = len(choices)
    if not n:
        raise ValueError("fnp.choose: choices is empty")
    a = _choice_indices(a, n, mode)
    a, *choices = broadcast_arrays(a, *promote_dtypes("choose", *map(as_operand, choices)))
    picked = take_along_axis(stack(choices), expand_dims(a, 0), axis=0)
    return squeeze(picked, 0)


def _choice_indices(a, n: int, mode: str):
    if mode == "wrap":
        return remainder(a, n)
    if mode == "clip":
        return maximum(minimum(a, n - 1), 0)
    value = concrete_or_none(a)
    if value is None:
        raise ConcretizationError(
            f"fnp.choose: mode='raise' checks the indices, but a is traced "
            f"({get_aval(a).str_short()}); pass mode='wrap' or mode='clip' under jit/vmap.")
    value = np.asarray(value)
    if value.size and (value.min() < 0 or value.max() >= n):
        raise ValueError(f"fnp.choose: indices must lie in [0, {n}) for {n} choices, got "
                         f"values from {value.min()} to {value.max()}; use mode='wrap' or "
                         "'clip'")
    return a


def compress(condition, a, axis=None, *, size=None, fill_value=0, out=None):
    """The slices of ``a`` along ``axis`` (of the flattened ``a`` for None) where the 1-D
    ``condition`` holds; differentiable in ``a``.

    Args:
        condition: 1-D booleans (or numbers), at most as long as the axis; missing entries
            count as False.
        size: the result's length along ``axis``; required under jit/vmap (see
            ``fnp.nonzero``), padding with ``fill_value``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.compress(np.array([True, False, True]), np.array([1.0, 2.0, 3.0])).tolist()
        [1.0, 3.0]
        >>> fnp.compress(np.array([0, 1, 0]), np.array([1.0, 2.0, 3.0]), size=2).tolist()
        [2.0, 0.0]
    """
    if out is not None:
        raise NotImplementedError("fnp.compress: `out` is not supported (arrays are immutable)")
    a, condition = as_operand(a), as_operand(condition)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis("compress", axis, len(shape_of(a)))
    n = shape_of(a)[axis]
    if len(shape_of(condition)) != 1 or shape_of(condition)[0] > n:
        raise ValueError(f"fnp.compress: condition must be 1-D and at most as long as axis "
                         f"{axis} of a ({n}), got shape {shape_of(condition)}")
    if size is not None and size > n:
        raise ValueError(f"fnp.compress: size={size} exceeds the length {n} of axis {axis}")
    try:
        (index,) = nonzero(condition, size=size, fill_value=-1 if size is not None else None)
    except ConcretizationError as err:
        raise ConcretizationError(str(err).replace("fnp.nonzero", "fnp.compress")) from None
    if size is None:
        return take(a, index, axis=axis)
    picked = take(a, maximum(index, 0), axis=axis)
    padded = _along_axis(equal(index, -1), axis, len(shape_of(a)))
    return where(padded, fill_value, picked)


def _along_axis(x, axis: int, ndim: int):
    """A 1-D ``x`` shaped to broadcast along ``axis`` of a rank-``ndim`` array."""
    return lax.reshape(x, (1,) * axis + shape_of(x) + (1,) * (ndim - axis - 1))


def extract(condition, arr, *, size=None, fill_value=0):
    """The entries of ``arr`` where ``condition`` holds (both flattened), as
    ``compress(ravel(condition), ravel(arr))``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.extract(np.array([1, 0, 1, 1]), np.array([5, 6, 7, 8])).tolist()
        [5, 7, 8]
    """
    return compress(ravel(as_operand(condition)), ravel(as_operand(arr)), size=size,
                    fill_value=fill_value)
