"""The eager array type returned by fungrad.numpy constructors.

``Array`` is a NumPy ndarray in every respect, plus JAX's functional update property
``x.at[idx].set(v)`` and indexing by traced values (``a[i]`` inside jit/vmap of ``i``,
for a closed-over ``a``). Arrays made by ``fnp.array``/``fnp.zeros``/... are ``Array``s, and
NumPy keeps the subclass through arithmetic on them. A plain ``np.ndarray`` has no ``.at``:
write ``fnp.asarray(x).at[idx].set(v)`` (no copy is made by ``asarray``).

``isinstance(x, Array)`` is also true for tracers, so ``fg.Array`` annotates and checks
values both eagerly and inside transforms (as ``jax.Array`` does). Every array that a
transform (``jit``, ``grad``, ``vjp``, ``jvp``, ``vmap``, the Jacobians) returns is an
``Array``: :func:`as_output` views its outputs as one (no copy).
"""

from __future__ import annotations

import sys

import numpy as np

from fungrad.core import Tracer


class _ArrayMeta(type):
    """Makes ``isinstance(tracer, Array)`` true: a tracer stands for an Array."""

    def __instancecheck__(cls, x) -> bool:
        return type.__instancecheck__(cls, x) or (cls is Array and isinstance(x, Tracer))


class Array(np.ndarray, metaclass=_ArrayMeta):
    """A NumPy array with JAX's ``.at[...]`` functional updates and traced indexing.

    As JAX arrays, it has ``block_until_ready()`` (eager NumPy work is already done, so it
    returns the array itself), ``devices()`` and ``device`` (the CPU device).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> x = fnp.zeros(3)
        >>> isinstance(x, fnp.Array), isinstance(x, np.ndarray)
        (True, True)
        >>> x.at[1].set(5.0)
        Array([0., 5., 0.])
        >>> x
        Array([0., 0., 0.])
        >>> fg.grad(lambda v: (v.at[0].multiply(3.0) ** 2).sum())(np.ones(2))
        Array([18.,  2.])
    """

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

    def block_until_ready(self) -> Array:
        """Return the array itself: NumPy computes eagerly, so it is always ready."""
        return self

    @property
    def device(self):
        """The device holding the array (the CPU device, ``CpuDevice(id=0)``)."""
        return sys.modules["fungrad.devices"].cpu_device

    def devices(self) -> set:
        """The set of devices holding the array: ``{CpuDevice(id=0)}``."""
        return {sys.modules["fungrad.devices"].cpu_device}


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


_SCALAR_TYPES = (bool, int, float, complex)


def as_output(x):
    """One output of a transform as an :class:`Array` (a view, no copy).

    NumPy arrays, NumPy scalars and Python scalars become ``Array``s; tracers (the outputs
    of a transform nested in another) and other objects pass through unchanged. This is
    the one place a backend's array type is chosen for results (CuPy arrays will pass
    through here too).
    """
    t = type(x)
    if t is Array:
        return x
    if t is np.ndarray:
        return x.view(Array)
    if t in _SCALAR_TYPES or isinstance(x, np.generic):
        return np.asarray(x).view(Array)
    return x


def as_outputs(leaves) -> list:
    """:func:`as_output` of each of a list of flat outputs (plain arrays viewed inline)."""
    return [x.view(Array) if type(x) is np.ndarray else as_output(x) for x in leaves]
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

    >>> isinstance(np.ones(2), ndarray), isinstance(2.0, ndarray)
    (True, False)
    """

    def __new__(cls, *args, **kwargs):
        raise TypeError("fnp.ndarray is the array type for isinstance checks and cannot be "
                        "instantiated; use fnp.array(...) or fnp.asarray(...)")
