"""Universal functions built from scalar functions in fungrad.numpy: the ``ufunc`` class
and ``frompyfunc``, as in jax.numpy.

A ``ufunc`` wraps a traceable function of ``nin`` scalars. Calling it broadcasts the
function over arrays (``fnp.vectorize``); ``reduce``, ``accumulate``, ``reduceat`` and
``at`` fold a two-argument function along an axis with ``lax.scan``, so everything is
differentiable and works under jit and vmap. (fungrad's own elementwise functions, such as
``fnp.add``, are plain functions, not ``ufunc`` objects.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from fungrad import lax
from fungrad.core import concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError
from fungrad.numpy.function_mapping import vectorize
from fungrad.numpy.indexing import AtIndexer
from fungrad.numpy.joining import concatenate, stack
from fungrad.numpy.math import where as _select
from fungrad.numpy.promotion import as_operand, to_dtype
from fungrad.numpy.reshaping import (
    broadcast_to,
    expand_dims,
    moveaxis,
    normalize_axes,
    normalize_axis,
    ravel,
    reshape,
)

__all__ = ["ufunc", "frompyfunc"]


class ufunc:  # noqa: N801 (NumPy's and JAX's name)
    """A universal function made from a scalar function (``jax.numpy.ufunc``).

    Args:
        func: a traceable function of ``nin`` scalars returning ``nout`` values.
        nin, nout: the numbers of inputs and outputs.
        name: the name shown in the repr (default: ``func``'s).
        nargs: ``nin`` unless given (as in jax.numpy).
        identity: the value reducing an empty axis gives (None: reducing one is an error).
        call, reduce, accumulate, at, reduceat: optional faster implementations of those
            methods (called with the same arguments).

    Example:
        >>> import operator
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> mul = fnp.ufunc(operator.mul, 2, 1, identity=1)
        >>> mul(np.arange(3.0), 2.0).tolist(), float(mul.reduce(np.arange(1.0, 5.0)))
        ([0.0, 2.0, 4.0], 24.0)
    """

    def __init__(self, func: Callable, /, nin: int, nout: int, *, name: str | None = None,
                 nargs: int | None = None, identity: Any = None, call: Callable | None = None,
                 reduce: Callable | None = None, accumulate: Callable | None = None,
                 at: Callable | None = None, reduceat: Callable | None = None):
        if not callable(func):
            raise TypeError(f"fnp.ufunc: func must be callable, got {type(func).__name__}")
        self._func, self.nin, self.nout = func, int(nin), int(nout)
        self.__name__ = name or getattr(func, "__name__", "ufunc")
        self.nargs = self.nin if nargs is None else int(nargs)  # JAX's default
        self.identity = identity
        self._overrides = {"call": call, "reduce": reduce, "accumulate": accumulate,
                           "at": at, "reduceat": reduceat}

    def __repr__(self) -> str:
        return f"<fnp.ufunc '{self.__name__}'>"

    def _binary(self, method: str) -> None:
        if self.nin != 2 or self.nout != 1:
            raise ValueError(f"fnp.ufunc.{method}: {self!r} has nin={self.nin}, "
                             f"nout={self.nout}; {method} needs a binary function (nin=2, "
                             "nout=1)")

    def __call__(self, *args, out=None, where=None):
        """``func`` broadcast over the arrays ``args`` (``out``/``where`` must be None)."""
        if out is not None or where is not None:
            raise NotImplementedError(f"{self!r}: out= and where= are not supported (arrays "
                                      "are immutable); use fnp.where on the result")
        if len(args) != self.nin:
            raise TypeError(f"{self!r} takes {self.nin} arguments, got {len(args)}")
        if self._overrides["call"] is not None:
            return self._overrides["call"](*args)
        return vectorize(self._func)(*args)

    def outer(self, A, B, /):  # noqa: N803 (JAX's names)
        """``func(A[i, j, ...], B[k, l, ...])`` for every pair: shape ``A.shape + B.shape``.

        Example:
            >>> import operator
            >>> import numpy as np
            >>> import fungrad.numpy as fnp
            >>> fnp.frompyfunc(operator.add, 2, 1)(np.arange(2), 10).tolist()
            [10, 11]
            >>> fnp.frompyfunc(operator.add, 2, 1).outer(np.arange(2), np.arange(3)).tolist()
            [[0, 1, 2], [1, 2, 3]]
        """
        self._binary("outer")
        A, B = as_operand(A), as_operand(B)
        return self(reshape(A, shape_of(A) + (1,) * len(shape_of(B))), B)

    def _step(self, dtype):
        """``func`` on two arrays, its result cast to ``dtype`` (a scan's carry keeps it)."""
        def step(x, y):
            return to_dtype(as_operand(self(x, y)), dtype)
        return step

    def _result_dtype(self, a, dtype):
        if dtype is not None:
            return np.dtype(dtype)
        probe = lax.reshape(lax.slice(ravel(a), (0,), (1,)), ()) if np.prod(shape_of(a)) \
            else lax.full((), 0, get_aval(a).dtype)
        return np.dtype(get_aval(as_operand(self(probe, probe))).dtype)

    def reduce(self, a, axis: int | None = 0, dtype=None, out=None, keepdims: bool = False,
               initial=None, where=None):
        """``func`` folded over ``axis`` (None or a tuple: several axes), left to right.

        Args:
            a: the array.
            axis: the axis or axes to reduce.
            dtype: the result's dtype (default: ``func``'s on ``a``'s dtype).
            out: must be None.
            keepdims: keep the reduced axes with length 1.
            initial: the starting value (default: the first element, or ``identity`` for
                an empty axis).
            where: a boolean mask; masked-out elements are skipped (needs ``initial`` or
                ``identity``).

        Example:
            >>> import operator
            >>> import numpy as np
            >>> import fungrad.numpy as fnp
            >>> mul = fnp.frompyfunc(operator.mul, 2, 1, identity=1)
            >>> mul.reduce(np.arange(1, 7).reshape(2, 3), axis=1).tolist()
            [6, 120]
        """
        self._binary("reduce")
        if self._overrides["reduce"] is not None:
            return self._overrides["reduce"](a, axis, dtype, out, keepdims, initial, where)
        if out is not None:
            raise NotImplementedError(f"{self!r}.reduce: out= is not supported")
        a = as_operand(a)
        nd = len(shape_of(a))
        axes = tuple(range(nd)) if axis is None else normalize_axes("ufunc.reduce", axis, nd)
        result_dtype = self._result_dtype(a, dtype)
        step = self._step(result_dtype)
        rest = [d for d in range(nd) if d not in axes]
        folded = reshape(lax.transpose(a, (*axes, *rest)),
                         (-1, *[shape_of(a)[d] for d in rest]))
        start = self._start("reduce", folded, initial, where, result_dtype, a, axes)
        if where is not None:
            mask = reshape(lax.transpose(broadcast_to(as_operand(where), shape_of(a)),
                                         (*axes, *rest)), shape_of(folded))
            result = lax.scan(lambda c, xm: (_select(xm[1], step(c, xm[0]), c), None), start,
                              (folded, mask))[0]
        elif initial is not None or self.identity is not None and shape_of(folded)[0] == 0:
            result = lax.scan(lambda c, x: (step(c, x), None), start, folded)[0]
        else:
            result = lax.scan(lambda c, x: (step(c, x), None), start, folded[1:])[0]
        if keepdims:
            result = expand_dims(result, axes)
        return result

    def _start(self, method, folded, initial, mask, dtype, a, axes):
        """The scan's first carry: ``initial``, the identity, or the first slice."""
        rest_shape = shape_of(folded)[1:]
        if initial is None and (mask is not None or shape_of(folded)[0] == 0):
            if self.identity is None:
                raise ValueError(f"{self!r}.{method}: reducing an empty axis or with where= "
                                 "needs initial= (this ufunc has no identity)")
            initial = self.identity
        if initial is None:
            return to_dtype(folded[0], dtype)
        return broadcast_to(to_dtype(as_operand(initial), dtype), rest_shape)

    def accumulate(self, a, axis: int = 0, dtype=None, out=None):
        """The running fold of ``func`` along ``axis`` (``result[i] = func(result[i - 1],
        a[i])``).

        Example:
            >>> import operator
            >>> import numpy as np
            >>> import fungrad.numpy as fnp
            >>> fnp.frompyfunc(operator.mul, 2, 1).accumulate(np.arange(1.0, 5.0)).tolist()
            [1.0, 2.0, 6.0, 24.0]
        """
        self._binary("accumulate")
        if self._overrides["accumulate"] is not None:
            return self._overrides["accumulate"](a, axis, dtype, out)
        if out is not None:
            raise NotImplementedError(f"{self!r}.accumulate: out= is not supported")
        a = as_operand(a)
        axis = normalize_axis("ufunc.accumulate", axis, len(shape_of(a)))
        result_dtype = self._result_dtype(a, dtype)
        step = self._step(result_dtype)
        x = moveaxis(a, axis, 0)
        if shape_of(x)[0] == 0:
            return moveaxis(to_dtype(x, result_dtype), 0, axis)
        first = to_dtype(x[0], result_dtype)

        def body(carry, item):
            new = step(carry, item)
            return new, new

        _, later = lax.scan(body, first, x[1:])
        return moveaxis(concatenate([first[None], later]), 0, axis)

    def reduceat(self, a, indices, axis: int = 0, dtype=None, out=None):
        """Reductions over the slices ``a[indices[i]:indices[i + 1]]`` along ``axis`` (just
        ``a[indices[i]]`` where the next index is not larger; the last runs to the end).

        ``indices`` must be concrete (they decide the slices' lengths).

        Example:
            >>> import operator
            >>> import numpy as np
            >>> import fungrad.numpy as fnp
            >>> add = fnp.frompyfunc(operator.add, 2, 1, identity=0)
            >>> add.reduceat(np.arange(8.0), np.array([0, 4, 1, 5])).tolist()
            [6.0, 4.0, 10.0, 18.0]
        """
        self._binary("reduceat")
        if self._overrides["reduceat"] is not None:
            return self._overrides["reduceat"](a, indices, axis, dtype, out)
        a = as_operand(a)
        axis = normalize_axis("ufunc.reduceat", axis, len(shape_of(a)))
        starts = concrete_or_none(indices)
        if starts is None:
            raise ConcretizationError(f"{self!r}.reduceat: indices "
                                      f"({get_aval(indices).str_short()}) are traced, but they "
                                      "decide the slices' lengths; pass concrete indices")
        starts = [int(i) for i in np.ravel(np.asarray(starts))]
        n = shape_of(a)[axis]
        pieces = []
        for k, i in enumerate(starts):
            stop = starts[k + 1] if k + 1 < len(starts) else n
            piece = lax.slice_in_dim(a, i, max(stop, i + 1), 1, axis)
            pieces.append(self.reduce(piece, axis, dtype))
        return stack(pieces, axis)

    def at(self, a, indices, b=None, /, *, inplace: bool = True):
        """``a`` with ``func(a[i], b)`` (or ``func(a[i])``) written at each index in turn,
        so repeated indices apply ``func`` repeatedly (NumPy's unbuffered update).

        Args:
            a: the array.
            indices: an index (int, slice, integer array or a tuple of them).
            b: the second operand for a binary ufunc, broadcast to the indexed entries.
            inplace: must be False (the updated array is returned).

        Example:
            >>> import operator
            >>> import numpy as np
            >>> import fungrad.numpy as fnp
            >>> mul = fnp.frompyfunc(operator.mul, 2, 1)
            >>> mul.at(np.arange(1.0, 5.0), np.array([0, 0, 2]), 3.0, inplace=False).tolist()
            [9.0, 2.0, 9.0, 4.0]
        """
        if inplace:
            raise ValueError(f"{self!r}.at: fungrad arrays are immutable; pass inplace=False "
                             "and use the returned array")
        if self._overrides["at"] is not None:
            return self._overrides["at"](a, indices, b, inplace=False)
        if (b is None) != (self.nin == 1) or self.nout != 1:
            raise ValueError(f"{self!r}.at: pass b exactly when the ufunc is binary "
                             f"(nin={self.nin}, nout={self.nout})")
        a = as_operand(a)
        positions = ravel(AtIndexer(reshape(lax.iota(np.dtype(np.int64), int(np.prod(
            shape_of(a), dtype=np.int64))), shape_of(a)))[indices].get())
        count = shape_of(positions)[0]
        dtype = np.dtype(get_aval(a).dtype)
        operands = None if b is None else to_dtype(
            ravel(broadcast_to(as_operand(b), _indexed_shape(a, indices))), dtype)

        def body(flat, item):
            pos, value = item if operands is not None else (item, None)
            current = AtIndexer(flat)[pos].get()
            new = self(current) if value is None else self(current, value)
            return AtIndexer(flat)[pos].set(to_dtype(as_operand(new), dtype)), None

        if count == 0:
            return a
        xs = positions if operands is None else (positions, operands)
        return reshape(lax.scan(body, ravel(a), xs)[0], shape_of(a))


def _indexed_shape(a, indices) -> tuple:
    return shape_of(AtIndexer(a)[indices].get())


def frompyfunc(func: Callable, /, nin: int, nout: int, *, identity: Any = None) -> ufunc:
    """A :class:`ufunc` from a traceable scalar function (as ``jax.numpy.frompyfunc``).

    Args:
        func: a function of ``nin`` scalars returning ``nout`` values, written with
            operators or fungrad.numpy functions (it is traced, not run on Python objects).
        nin, nout: the numbers of inputs and outputs.
        identity: the value reducing an empty axis gives.

    Returns:
        A ``ufunc`` with ``__call__``, ``outer``, ``reduce``, ``accumulate``, ``reduceat``
        and ``at``.

    Example:
        >>> import operator
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> add = fnp.frompyfunc(operator.add, nin=2, nout=1, identity=0)
        >>> add(np.arange(4), 10).tolist(), int(add.reduce(np.arange(4)))
        ([10, 11, 12, 13], 6)
    """
    return ufunc(func, nin, nout, identity=identity)
