"""NumPy indexing for fungrad.numpy: ``x[idx]``, JAX's ``x.at[idx]`` updates, take.

``getitem`` implements NumPy's basic and advanced indexing (integers, slices with any step,
``None``, ``...``, integer arrays and lists, concrete boolean masks, traced integer
indices) with one differentiable ``gather`` primitive; ``x.at[idx].set(v)`` and friends
bind the scatter primitives. Everything is functional: inputs are never mutated.

Out-of-range indices raise IndexError as in NumPy (JAX instead clamps or drops them);
negative indices count from the end. ``x.at[idx]`` takes JAX's explicit ``mode="clip"``
and ``mode="fill"``/``"drop"`` (:mod:`fungrad.numpy.index_modes`). A boolean mask must be
concrete, because the result's shape depends on its values.

Tracers and the eager :class:`~fungrad.numpy.Array` have ``.at``; for a plain NumPy array
write ``fnp.asarray(x).at[idx].set(v)`` (``asarray`` makes no copy, and ``x`` is left as
it was).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from fungrad import lax
from fungrad.array_module import is_device_array, to_host
from fungrad.core import Tracer, concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError, ShapeError, user_site
from fungrad.lax.dimension_numbers import default_fill_value, mode_name
from fungrad.lax.indexing import indexed_shape
from fungrad.lax.scatter_composed import apply_at_positions
from fungrad.numpy import index_modes
from fungrad.numpy.array_type import as_array_type
from fungrad.numpy.promotion import as_operand, broadcast_to_shape, to_dtype
from fungrad.numpy.reshaping import normalize_axis
from fungrad.numpy.unsupported_arguments import IMMUTABLE, reject_unsupported

__all__ = ["take", "take_along_axis"]

_VALID_INDICES = ("only integers, slices (`:`), ellipsis (`...`), None and integer or "
                  "boolean arrays are valid indices")

# ---------------------------------------------------------------------------------------
# Parsing a NumPy index into (index_spec, index operands)


def _static_int(fn_name: str, v, what: str):
    if v is None:
        return None
    try:
        return operator.index(v)
    except ConcretizationError:
        raise IndexError(
            f"{fn_name}: the slice {what} is a traced value, but slice bounds must be static "
            "(the result's shape depends on them). Use lax.dynamic_slice(x, starts, sizes) "
            "for a traced start with a static size.") from None
    except TypeError:
        raise IndexError(f"{fn_name}: slice {what} {v!r} is not an integer or None") from None


def _as_index_array(fn_name: str, entry):
    """Lists, tuples and array-likes as arrays (lists holding tracers are stacked)."""
    if isinstance(entry, (Tracer, np.ndarray)) or is_device_array(entry):
        return entry
    if isinstance(entry, (list, tuple)):
        if len(entry) == 0:
            return np.zeros(0, np.intp)  # NumPy reads x[[]] as an empty integer index
        return as_operand(entry)
    try:
        return np.asarray(entry)
    except Exception:
        raise IndexError(f"{fn_name}: {_VALID_INDICES}; got {type(entry).__name__}") from None


def _classify(fn_name: str, entry) -> tuple:
    """One entry of the index as ("newaxis",), ("slice", ...), ("int", i), ("array", a)
    or ("mask", concrete_bool_array)."""
    if entry is None:
        return ("newaxis",)
    if entry is Ellipsis:
        return ("ellipsis",)
    if isinstance(entry, slice):
        return ("slice", _static_int(fn_name, entry.start, "start"),
                _static_int(fn_name, entry.stop, "stop"), _static_int(fn_name, entry.step, "step"))
    if isinstance(entry, (bool, np.bool_)):
        raise IndexError(f"{fn_name}: scalar boolean indices (True/False) are not supported; "
                         "write x[None] for x[True], or use a boolean array mask.")
    if isinstance(entry, (int, np.integer)):
        return ("int", int(entry))
    arr = _as_index_array(fn_name, entry)
    dtype = get_aval(arr).dtype
    if dtype.kind in "iu":
        return ("array", arr)
    if dtype.kind == "b":
        return ("mask", _concrete_mask(fn_name, arr))
    raise IndexError(f"{fn_name}: {_VALID_INDICES}; got an array of dtype {dtype}")


def _concrete_mask(fn_name: str, mask):
    value = concrete_or_none(mask)
    if value is None:
        raise ConcretizationError(
            f"{fn_name}: a boolean mask index must be concrete, but a traced "
            f"{mask.aval.str_short()} was given: the result's shape would depend on the "
            "mask's values. Use fnp.where(mask, x, 0) to keep the shape (then reduce), or "
            f"compute the mask outside the transform.\n  at {user_site()}")
    if shape_of(value) == ():
        raise IndexError(f"{fn_name}: rank-0 boolean indices are not supported; "
                         "write x[None] for x[True], or use a boolean array mask.")
    return to_host(value)  # the mask decides the result's shape: read on the host


def parse_index(fn_name: str, shape: tuple, idx, *, check_bounds: bool = True
                ) -> tuple[tuple, list]:
    """Translate a NumPy index into ``(index_spec, index_operands)`` for lax.gather/scatter.

    Static integers and concrete index arrays are checked against ``shape`` here, so that
    errors name the function, the axis and its size.

    Args:
        fn_name: the user-facing name used in error messages.
        shape: the shape of the array being indexed.
        idx: the index, as written between the brackets.
        check_bounds: whether static and concrete indices must be in range (False for
            the out-of-bound modes of ``x.at[idx]``, which handle them).

    Returns:
        The hashable ``index_spec`` and the list of integer index operands.
    """
    items = [_classify(fn_name, e) for e in (idx if isinstance(idx, tuple) else (idx,))]
    consumed = sum(_dims_consumed(it) for it in items)
    if sum(it[0] == "ellipsis" for it in items) > 1:
        raise IndexError(f"{fn_name}: an index can only have a single ellipsis ('...')")
    if consumed > len(shape):
        raise IndexError(f"{fn_name}: too many indices for an array of shape {shape}: "
                         f"{consumed} dimensions are indexed, but it has {len(shape)}")
    spec, operands, axis = [], [], 0
    for it in items:
        kind = it[0]
        if kind in ("newaxis", "ellipsis"):
            spec.append(it)
            axis += len(shape) - consumed if kind == "ellipsis" else 0
            continue
        if kind == "mask":
            _check_mask_shape(fn_name, shape, axis, it[1])
            for nz in it[1].nonzero():
                spec.append(("array", len(operands)))
                operands.append(nz)
            axis += it[1].ndim
            continue
        if kind == "int":
            if check_bounds:
                _check_bounds(fn_name, shape, axis, it[1], it[1])
            spec.append(it)
        elif kind == "array":
            if check_bounds:
                _check_array_bounds(fn_name, shape, axis, it[1])
            spec.append(("array", len(operands)))
            operands.append(it[1])
        else:
            spec.append(it)
        axis += 1
    return tuple(spec), operands


def _dims_consumed(item: tuple) -> int:
    kind = item[0]
    if kind in ("newaxis", "ellipsis"):
        return 0
    return item[1].ndim if kind == "mask" else 1


def _check_bounds(fn_name: str, shape, axis: int, lo, hi) -> None:
    n = shape[axis]
    for i in (lo, hi):
        if not -n <= i < n:
            raise IndexError(f"{fn_name}: index {i} is out of bounds for axis {axis} with size "
                             f"{n} (array shape {shape})")


def _check_array_bounds(fn_name: str, shape, axis: int, arr) -> None:
    value = concrete_or_none(arr)
    if value is None or value.size == 0:
        return  # traced indices are checked when the primitive runs
    _check_bounds(fn_name, shape, axis, int(value.min()), int(value.max()))


def _check_mask_shape(fn_name: str, shape, axis: int, mask) -> None:
    dims = tuple(shape[axis:axis + mask.ndim])
    if mask.shape != dims:
        raise IndexError(f"{fn_name}: boolean index of shape {mask.shape} does not match the "
                         f"indexed dimensions {dims} (axes {axis}..) of an array of shape "
                         f"{shape}; a mask must have exactly the shape it covers.")


# ---------------------------------------------------------------------------------------
# getitem


def _index(fn_name: str, x, idx):
    x = as_operand(x)
    spec, indices = parse_index(fn_name, shape_of(x), idx)
    if not indices and spec in ((), (("ellipsis",),)):
        return x
    return lax.gather(x, indices, spec)


def getitem(x, idx):
    """Return ``x[idx]`` by NumPy's basic and advanced indexing rules, differentiably.

    ``Tracer.__getitem__`` calls this, so ``x[1:, ::-1]``, ``x[None, ..., 0]``,
    ``x[[0, 2, 2]]`` and ``x[i]`` with a traced integer ``i`` all work under transforms.

    Args:
        x: an array, scalar, nested list or tracer.
        idx: a NumPy index: ints, slices, None, Ellipsis, integer arrays or lists (traced
            ones too), concrete boolean masks, or a tuple of these.

    Returns:
        The indexed array (a NumPy result when nothing is traced).

    Raises:
        IndexError: for out-of-range indices or malformed index expressions.
        ConcretizationError: for a traced boolean mask (use ``fnp.where``).

    Example:
        >>> getitem(np.arange(6.0).reshape(2, 3), (slice(None), [2, 0]))
        array([[2., 0.],
               [5., 3.]])
    """
    return _index("getitem x[...]", x, idx)


# ---------------------------------------------------------------------------------------
# x.at[idx]: functional updates


def _eager_as_array(out):
    return out if isinstance(out, Tracer) or is_device_array(out) else as_array_type(out)


def _prepare_values(fn_name: str, values, dtype: np.dtype, shape: tuple):
    """Cast ``values`` to the array's dtype and broadcast them to the indexed shape."""
    values = as_operand(values)
    v_shape = shape_of(values)
    try:
        ok = np.broadcast_shapes(v_shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(f"{fn_name}: values of shape {v_shape} cannot be broadcast to the "
                         f"indexed shape {shape}; give values of that shape or one that "
                         f"broadcasts to it.\n  at {user_site()}")
    return broadcast_to_shape(to_dtype(values, dtype), shape)


class IndexUpdateRef:
    """The pending update ``x.at[idx]``: each method returns an updated copy of ``x``.

    The keyword arguments ``indices_are_sorted`` and ``unique_indices`` are accepted for
    JAX compatibility and ignored. ``mode`` None or ``"promise_in_bounds"``: indices must be
    in range (NumPy's IndexError otherwise); ``"clip"`` clamps them; ``"fill"``/``"drop"``
    skips out-of-range updates and gets ``fill_value`` for them (NaN for floats, the
    extreme integer, True), as in JAX.
    """

    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array = array
        self.index = index

    def __repr__(self):
        return f"IndexUpdateRef({self.array!r}, {self.index!r})"

    def _scatter(self, method: str, scatter_fn, values, mode, *, operand=None, negate=False):
        fn_name = f"x.at[...].{method}"
        mode = mode_name(fn_name, mode)
        x = as_operand(self.array) if operand is None else operand
        aval = get_aval(x)
        x, spec, indices = _moded_index(fn_name, x, self.index, mode, 0)
        shape = indexed_shape(fn_name, shape_of(x), spec, tuple(shape_of(i) for i in indices))
        values = _prepare_values(fn_name, values, aval.dtype, shape)
        values = lax.neg(values) if negate else values
        out = scatter_fn(x, values, indices, spec)
        return _eager_as_array(index_modes.unpad_axes(out, aval.shape))

    def _ones(self):
        aval = get_aval(as_operand(self.array))
        return np.ones(aval.shape, aval.dtype)

    def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None,
            fill_value=None):
        """``x[idx]`` (like ``getitem``); ``mode`` and ``fill_value`` as in the class doc."""
        mode = mode_name("x.at[...].get", mode)
        if mode in (None, "promise_in_bounds"):
            return _eager_as_array(_index("x.at[...].get", self.array, self.index))
        x = as_operand(self.array)
        fill = default_fill_value(get_aval(x).dtype, fill_value)
        x, spec, indices = _moded_index("x.at[...].get", x, self.index, mode, fill)
        return _eager_as_array(lax.gather(x, indices, spec))

    def apply(self, func, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """Pure ``x[idx] = func(x[idx])``, ``func`` elementwise (a ufunc, as in JAX).

        A position indexed k times gets ``func`` applied k times (as ``numpy.ufunc.at``);
        concrete indices call ``func`` on the indexed values only, traced ones on the
        whole array (masked), once per index entry.

        Example:
            >>> import fungrad.numpy as fnp
            >>> fnp.zeros(3).at[np.array([0, 0, 2])].apply(lambda v: v + 1.0)
            Array([2., 0., 1.])
        """
        mode = mode_name("x.at[...].apply", mode)
        x = as_operand(self.array)
        aval = get_aval(x)
        iota = np.arange(aval.size).reshape(aval.shape)
        where_from = IndexUpdateRef(iota, self.index).get(
            mode="fill" if mode == "drop" else mode, fill_value=aval.size)
        flat = apply_at_positions(lax.reshape(x, (aval.size,)), where_from,
                                  lambda v: func(_eager_as_array(v)))
        return _eager_as_array(lax.reshape(flat, aval.shape))

    def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """Pure ``x[idx] = values``; with repeated indices one of the values wins."""
        return self._scatter("set", lax.scatter, values, mode)

    def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """Pure ``x[idx] += values``; repeated indices accumulate (like ``np.add.at``)."""
        return self._scatter("add", lax.scatter_add, values, mode)

    def subtract(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """Pure ``x[idx] -= values``; repeated indices accumulate."""
        return self._scatter("subtract", lax.scatter_add, values, mode, negate=True)

    def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """Pure ``x[idx] *= values``; repeated indices multiply.

        The derivative with respect to ``values`` needs unique indices, as in JAX.
        """
        return self._scatter("multiply", lax.scatter_mul, values, mode)

    def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """Pure ``x[idx] /= values`` (true division, as in JAX)."""
        from fungrad.numpy.math import divide  # noqa: PLC0415

        factor = self._scatter("divide", lax.scatter_mul, values, mode, operand=self._ones())
        return _eager_as_array(divide(as_operand(self.array), factor))

    def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """Pure ``x[idx] **= values``."""
        from fungrad.numpy.math import power  # noqa: PLC0415

        exponent = self._scatter("power", lax.scatter_mul, values, mode,
                                 operand=self._ones())
        return _eager_as_array(power(as_operand(self.array), exponent))

    def min(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """Pure ``x[idx] = minimum(x[idx], values)``; ties split the derivative evenly."""
        return self._scatter("min", lax.scatter_min, values, mode)

    def max(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """Pure ``x[idx] = maximum(x[idx], values)``; ties split the derivative evenly."""
        return self._scatter("max", lax.scatter_max, values, mode)


def _moded_index(fn_name: str, x, idx, mode, pad_value) -> tuple:
    """``(operand, index_spec, indices)`` for ``x[idx]`` under an out-of-bound ``mode``;
    fill/drop pad ``x`` with ``pad_value`` (index_modes says how)."""
    index_modes.check_mode(fn_name, mode)
    shape = shape_of(x)
    strict = mode in (None, "promise_in_bounds")
    spec, indices = parse_index(fn_name, shape, idx, check_bounds=strict)
    if mode == "clip":
        spec, indices = index_modes.clip_indices(spec, indices, shape)
    elif not strict:
        spec, indices, axes = index_modes.redirect_out_of_range(spec, indices, shape)
        x = index_modes.pad_axes(x, axes, pad_value)
    return x, spec, indices


class AtIndexer:
    """``x.at``: index it to get an :class:`IndexUpdateRef`, e.g. ``x.at[0].set(1.0)``.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.asarray(np.zeros(3)).at[np.array([0, 0, 2])].add(1.0)
        Array([2., 0., 1.])
    """

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index) -> IndexUpdateRef:
        return IndexUpdateRef(self.array, index)

    def __repr__(self):
        return f"AtIndexer({self.array!r})"


# ---------------------------------------------------------------------------------------
# take and take_along_axis


def _int_indices(fn_name: str, indices):
    indices = as_operand(indices)
    if get_aval(indices).dtype.kind not in "iu":
        raise IndexError(f"fnp.{fn_name}: indices must be integers, got "
                         f"{get_aval(indices).dtype}")
    return indices


def _apply_mode(fn_name: str, indices, n: int, mode):
    """Indices after ``mode``, and (for "fill") the mask of in-range indices."""
    from fungrad.numpy import math as fm  # noqa: PLC0415

    if mode in (None, "raise", "promise_in_bounds"):
        return indices, None
    if mode == "wrap":
        return fm.remainder(indices, n), None
    if mode == "clip":
        return fm.minimum(fm.maximum(indices, 0), n - 1), None
    if mode == "fill":
        valid = fm.logical_and(fm.greater_equal(indices, -n), fm.less(indices, n))
        return fm.where(valid, indices, 0), valid
    raise ValueError(f"fnp.{fn_name}: mode must be one of None, 'raise', 'wrap', 'clip', "
                     f"'fill' or 'promise_in_bounds'; got {mode!r}")


def _negative_indices(indices, n: int, mode, wrap: bool):
    """take_along_axis's indices after its ``wrap_negative_indices`` rule, and for a
    negative index that must stay out of range under "fill", the mask of valid ones.

    Without a mode, gathers and the "fill" mask already count [-n, 0) from the end, and
    "wrap" wraps every index; "clip" needs the wrap first, as jax.numpy applies it."""
    from fungrad.numpy import math as fm  # noqa: PLC0415 (math imports this module)

    if wrap:
        if mode == "clip":
            indices = fm.where(fm.less(indices, 0), fm.add(indices, n), indices)
        return indices, None
    if mode == "fill":
        valid = fm.logical_and(fm.greater_equal(indices, 0), fm.less(indices, n))
        return fm.where(valid, indices, 0), valid
    if mode in (None, "raise", "promise_in_bounds"):
        value = concrete_or_none(indices)
        if value is not None and value.size and int(value.min()) < 0:
            raise IndexError(f"fnp.take_along_axis: index {int(value.min())} is out of bounds "
                             f"for an axis of size {n}: with wrap_negative_indices=False a "
                             "negative index does not count from the end. Pass indices in "
                             "[0, n), or wrap_negative_indices=True, or mode='fill'/'clip'.")
        # Traced: shift negatives below -n, where the gather's bounds check rejects them.
        return fm.where(fm.less(indices, 0), fm.subtract(indices, n), indices), None
    return indices, None


def _filled(out, valid, valid_shape: tuple, fill_value):
    from fungrad.numpy.math import where  # noqa: PLC0415

    valid = lax.reshape(valid, valid_shape) if shape_of(valid) != valid_shape else valid
    fill = to_dtype(default_fill_value(get_aval(out).dtype, fill_value), get_aval(out).dtype)
    return where(valid, out, fill)


def take(a, indices, axis: int | None = None, out: None = None, mode: str | None = None, *,
         unique_indices: bool = False, indices_are_sorted: bool = False,
         fill_value: Any = None):
    """Take elements of ``a`` along ``axis`` at ``indices``, like ``numpy.take``.

    Args:
        a: the source array.
        indices: integer indices (array, list, scalar or tracer).
        axis: the axis to take along; None takes from the flattened array.
        out: must be None (fungrad never writes into arrays); present for NumPy's signature.
        mode: None or "raise" (NumPy's default: negative indices wrap once, out-of-range
            ones raise), "wrap", "clip", or "fill" (out-of-range gives ``fill_value``:
            NaN for floats by default). JAX's default is "fill"; fungrad's is NumPy's.
        unique_indices, indices_are_sorted: accepted for JAX compatibility; ignored.
        fill_value: the value for out-of-range indices with mode="fill".

    Returns:
        ``a`` with ``axis`` replaced by the dimensions of ``indices``.

    Example:
        >>> take(np.array([[1., 2.], [3., 4.]]), [1, 1, 0], axis=1)
        array([[2., 2., 1.],
               [4., 4., 3.]])
    """
    if out is not None:
        reject_unsupported("take", IMMUTABLE, "use the return value", out=out)
    a = as_operand(a)
    if axis is None:
        a, axis = lax.reshape(a, (get_aval(a).size,)), 0
    shape = shape_of(a)
    axis = normalize_axis("take", axis, len(shape))
    indices = _int_indices("take", indices)
    indices, valid = _apply_mode("take", indices, shape[axis], mode_name("fnp.take", mode))
    out = _index("fnp.take", a, (slice(None),) * axis + (indices,))
    if valid is None:
        return out
    idx_shape = shape_of(valid)
    valid_shape = (1,) * axis + idx_shape + (1,) * (len(shape) - axis - 1)
    return _filled(out, valid, valid_shape, fill_value)


def take_along_axis(arr, indices, axis: int | None = -1, mode: str | None = None,
                    fill_value: Any = None, *, wrap_negative_indices: bool | None = None):
    """Take values of ``arr`` at ``indices`` along ``axis``, like ``numpy.take_along_axis``.

    ``indices`` has ``arr``'s rank; its other dimensions broadcast against ``arr``'s.
    Typical use: ``take_along_axis(x, fnp.argsort(x, axis=1), axis=1)``.

    Args:
        arr: the source array.
        indices: integer indices of the same rank as ``arr`` (1-D when ``axis`` is None).
        axis: the axis to take along; None works on the flattened ``arr``.
        mode: as for :func:`take` (NumPy's semantics by default).
        fill_value: the value for out-of-range indices with mode="fill".
        wrap_negative_indices: True counts indices in ``[-n, 0)`` from the end before
            ``mode`` applies, as jax.numpy does (so ``mode="clip"`` maps -1 to the last
            element); False makes every negative index out of range: "fill" gives
            ``fill_value``, "clip" the first element, and None/"raise"/"promise_in_bounds"
            raise IndexError (under jit, the gather's bounds check reports the index
            minus n). None (the default) is JAX's rule: True, except for
            mode="promise_in_bounds".

    Returns:
        The values, of the broadcast shape of ``indices`` and ``arr`` (off ``axis``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> x = np.array([[10, 30, 20], [60, 40, 50]])
        >>> fnp.take_along_axis(x, fnp.argsort(x, axis=1), axis=1)
        array([[10, 20, 30],
               [40, 50, 60]])
    """
    arr = as_operand(arr)
    mode = mode_name("fnp.take_along_axis", mode)
    indices = _int_indices("take_along_axis", indices)
    if axis is None:
        arr, axis = lax.reshape(arr, (get_aval(arr).size,)), 0
    shape, idx_shape = shape_of(arr), shape_of(indices)
    if len(idx_shape) != len(shape):
        raise ShapeError(f"fnp.take_along_axis: indices of shape {idx_shape} must have the "
                         f"same rank as arr of shape {shape} (add axes with None to indices)")
    axis = normalize_axis("take_along_axis", axis, len(shape))
    if wrap_negative_indices is None:  # JAX's legacy rule
        wrap_negative_indices = mode != "promise_in_bounds"
    indices, valid = _negative_indices(indices, shape[axis], mode, wrap_negative_indices)
    if valid is None:
        indices, valid = _apply_mode("take_along_axis", indices, shape[axis], mode)
    grid = []
    for d, n in enumerate(shape):
        if d == axis:
            grid.append(indices)
            continue
        grid.append(np.arange(n).reshape((1,) * d + (n,) + (1,) * (len(shape) - d - 1)))
    out = _index("fnp.take_along_axis", arr, tuple(grid))
    if valid is None:
        return out
    return _filled(out, valid, shape_of(valid), fill_value)
