"""NumPy's concatenating index objects in fungrad.numpy: ``r_`` (join along the first axis)
and ``c_`` (join 1-D pieces as columns, along the last axis).

``fnp.r_[a, 0:3, [7, 8]]`` concatenates arrays, scalars, lists and slices (``start:stop:
step`` is ``arange``; a complex step ``start:stop:nj`` is ``linspace`` with ``n`` points).
A leading string sets ``"axis[,ndmin[,trans1d]]"`` as in NumPy. Unlike ``np.r_`` the pieces
may be traced (the result is built with ``fnp.concatenate``, so it is differentiable);
NumPy's matrix directives ``'r'`` and ``'c'`` are not supported (as in jax.numpy).
"""

from __future__ import annotations

import numpy as np

from fungrad.array_module import constant_like, is_device_array
from fungrad.core import shape_of
from fungrad.numpy.creation import arange, asarray, linspace
from fungrad.numpy.joining import concatenate
from fungrad.numpy.reshaping import reshape, transpose

__all__ = ["r_", "c_"]


class _Concatenator:
    """An index object whose ``[...]`` concatenates the items along ``axis``, each first
    given at least ``ndmin`` dimensions, the new ones placed around it by ``trans1d``."""

    def __init__(self, name: str, axis: int, ndmin: int, trans1d: int):
        self._name, self.axis, self.ndmin, self.trans1d = name, axis, ndmin, trans1d

    def __getitem__(self, key):
        items = list(key) if isinstance(key, tuple) else [key]
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        if items and isinstance(items[0], str):
            axis, ndmin, trans1d = self._directive(items.pop(0), ndmin, trans1d)
        pieces = [self._piece(item, ndmin, trans1d) for item in items]
        if not pieces:
            return asarray(np.zeros(0))
        like = next((item for item in items if is_device_array(item)), None)
        if like is not None:  # ranges, scalars and lists join a device array on its device
            pieces = [p if hasattr(item, "shape") else constant_like(p, like)
                      for p, item in zip(pieces, items)]
        return concatenate(pieces, axis=axis)

    def _directive(self, text: str, ndmin: int, trans1d: int) -> tuple[int, int, int]:
        if text in ("r", "c"):
            raise NotImplementedError(f"fnp.{self._name}: the matrix directive {text!r} is not "
                                      "supported (fungrad has no matrix class)")
        try:
            values = [int(v) for v in text.split(",")]
        except ValueError:
            raise ValueError(f"fnp.{self._name}: the directive {text!r} must be "
                             "'axis[,ndmin[,trans1d]]' of integers") from None
        if not 1 <= len(values) <= 3:
            raise ValueError(f"fnp.{self._name}: the directive {text!r} has {len(values)} "
                             "numbers; give 'axis[,ndmin[,trans1d]]'")
        values += [ndmin, trans1d][len(values) - 1:]
        return values[0], values[1], values[2]

    def _piece(self, item, ndmin: int, trans1d: int):
        if isinstance(item, slice):
            item = self._range(item)
        elif isinstance(item, str):
            raise ValueError(f"fnp.{self._name}: a string is allowed only as the first item "
                             f"(the directive), got {item!r} later")
        x = asarray(item)
        rank = len(shape_of(x))
        if rank >= ndmin:
            return x
        added = ndmin - rank
        x = reshape(x, (1,) * added + shape_of(x))
        if trans1d == -1:
            return x
        # The item's own axes start at position trans1d (counted from the end if negative).
        start = trans1d if trans1d >= 0 else trans1d + added + 1
        order = list(range(ndmin))
        return transpose(x, order[:start] + order[added:] + order[start:added])

    def _range(self, part: slice):
        start = 0 if part.start is None else part.start
        step = 1 if part.step is None else part.step
        if isinstance(step, complex):
            return linspace(start, part.stop, int(abs(step)))
        return arange(start, part.stop, step)

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"fungrad.numpy.{self._name}"


r_ = _Concatenator("r_", axis=0, ndmin=1, trans1d=-1)
r_.__doc__ = """Concatenate along the first axis: ``fnp.r_[a, 0:3, [7, 8]]``.

Example:
    >>> import numpy as np
    >>> import fungrad.numpy as fnp
    >>> fnp.r_[np.array([1, 2]), 0, 5:7].tolist()
    [1, 2, 0, 5, 6]
    >>> fnp.r_["0,2", [1, 2], [3, 4]].tolist()
    [[1, 2], [3, 4]]
"""

c_ = _Concatenator("c_", axis=-1, ndmin=2, trans1d=0)
c_.__doc__ = """Stack 1-D pieces as columns (concatenate along the last axis, at least 2-D).

Example:
    >>> import numpy as np
    >>> import fungrad.numpy as fnp
    >>> fnp.c_[np.array([1, 2]), np.array([3, 4])].tolist()
    [[1, 3], [2, 4]]
"""

__test__ = {"r_": r_.__doc__, "c_": c_.__doc__}  # doctest runs the objects' examples
