"""The eager array type returned by fungrad.numpy constructors.

``Array`` is a NumPy ndarray in every respect, plus JAX's functional update property
``x.at[idx].set(v)`` and indexing by traced values (``a[i]`` inside jit/vmap of ``i``,
for a closed-over ``a``). Arrays made by ``fnp.array``/``fnp.zeros``/... are ``Array``s, and
NumPy keeps the subclass through arithmetic on them. A plain ``np.ndarray`` has no ``.at``:
write ``fnp.asarray(x).at[idx].set(v)`` (no copy is made by ``asarray``).
"""

from __future__ import annotations

import sys

import numpy as np

from fungrad.core import Tracer


class Array(np.ndarray):
    """A NumPy array with JAX's ``.at[...]`` functional updates and traced indexing."""

    @property
    def at(self):
        # sys.modules lookup: an import statement here cost ~30 us per access.
        return sys.modules["fungrad.numpy.indexing"].AtIndexer(self)

    def __getitem__(self, idx):
        # NumPy's indexing would call __array__/__index__ on a traced index and fail;
        # fungrad's indexing stages a gather or dynamic slice instead (as JAX arrays do).
        if type(idx) is not int and _holds_tracer(idx):
            return sys.modules["fungrad.numpy.indexing"].getitem(self, idx)
        return _ndarray_getitem(self, idx)


_ndarray_getitem = np.ndarray.__getitem__


def _holds_tracer(idx) -> bool:
    """Whether an index (an entry, a slice, a tuple or list of them) contains a tracer."""
    if isinstance(idx, Tracer):
        return True
    if type(idx) is slice:
        return any(isinstance(v, Tracer) for v in (idx.start, idx.stop, idx.step))
    return type(idx) in (tuple, list) and any(_holds_tracer(i) for i in idx)


def as_array_type(x):
    """View an ndarray (or NumPy scalar) as :class:`Array` without copying."""
    if isinstance(x, Array):
        return x
    return np.asarray(x).view(Array)


class _AnyArrayMeta(type):
    """``isinstance(x, fnp.ndarray)`` holds for every array value fungrad produces."""

    def __instancecheck__(cls, instance):
        return isinstance(instance, (np.ndarray, np.generic, Tracer))

    def __subclasscheck__(cls, subclass):
        return cls is subclass or issubclass(subclass, (np.ndarray, np.generic, Tracer))


class ndarray(metaclass=_AnyArrayMeta):  # noqa: N801 (jax.numpy's name)
    """The type of fungrad's arrays, for ``isinstance`` checks (``jax.numpy.ndarray``).

    Eager results are NumPy arrays (:class:`Array`, plain ``np.ndarray``, or NumPy scalars
    from reductions) and traced values are tracers; ``isinstance(x, fnp.ndarray)`` is true
    for all of them, as ``jax.Array`` covers JAX's concrete and traced arrays. (``Array``
    itself is the NumPy subclass with ``.at``: ``isinstance(x, fnp.Array)`` is the test
    for that.) It cannot be instantiated: use ``fnp.array``/``fnp.asarray``.
    """

    def __new__(cls, *args, **kwargs):
        raise TypeError("fnp.ndarray is the array type for isinstance checks and cannot be "
                        "instantiated; use fnp.array(...) or fnp.asarray(...)")
