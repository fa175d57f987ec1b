"""The eager array type returned by fungrad.numpy constructors.

``Array`` is a NumPy ndarray in every respect, plus JAX's functional update property
``x.at[idx].set(v)``. Arrays made by ``fnp.array``/``fnp.zeros``/... are ``Array``s, and
NumPy keeps the subclass through arithmetic on them. A plain ``np.ndarray`` has no ``.at``:
write ``fnp.asarray(x).at[idx].set(v)`` (no copy is made by ``asarray``).
"""

from __future__ import annotations

import sys

import numpy as np


class Array(np.ndarray):
    """A NumPy array with JAX's ``.at[...]`` functional updates."""

    @property
    def at(self):
        # sys.modules lookup: an import statement here cost ~30 us per access.
        return sys.modules["fungrad.numpy.indexing"].AtIndexer(self)


def as_array_type(x):
    """View an ndarray (or NumPy scalar) as :class:`Array` without copying."""
    if isinstance(x, Array):
        return x
    return np.asarray(x).view(Array)
