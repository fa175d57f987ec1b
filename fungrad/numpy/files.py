"""Saving and loading arrays in NumPy's ``.npy``/``.npz`` formats: ``fnp.save``,
``fnp.savez`` and ``fnp.load`` (for whole pytrees with key paths, see ``fungrad.save``)."""

from __future__ import annotations

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.errors import ConcretizationError
from fungrad.numpy.array_type import as_array_type

__all__ = ["save", "savez", "load"]


def _concrete(fn: str, x):
    if isinstance(x, Tracer):
        try:
            return np.asarray(x.concrete_value())
        except ConcretizationError:
            raise ConcretizationError(
                f"fnp.{fn}: cannot write a traced value {get_aval(x).str_short()} to a file "
                "while tracing; return it from the transformed function and save that."
            ) from None
    return x


def save(file, arr, allow_pickle=True):
    """Write ``arr`` to a ``.npy`` file (``numpy.save``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), 'x.npy')
        >>> fnp.save(path, np.array([1.0, 2.0]))
        >>> fnp.load(path).tolist()
        [1.0, 2.0]
    """
    np.save(file, _concrete("save", arr), allow_pickle=allow_pickle)


def savez(file, *args, allow_pickle=True, **kwds):
    """Write several arrays to an uncompressed ``.npz`` file (``numpy.savez``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), 'ab.npz')
        >>> fnp.savez(path, a=np.array([1, 2]), b=np.array([3.0]))
        >>> with fnp.load(path) as f: print(sorted(f.files), f['a'].tolist())
        ['a', 'b'] [1, 2]
    """
    np.savez(file, *(_concrete("savez", a) for a in args), allow_pickle=allow_pickle,
             **{k: _concrete("savez", v) for k, v in kwds.items()})


def load(file, *args, **kwargs):
    """Read a ``.npy`` (an :class:`Array`) or ``.npz`` file (NumPy's lazy mapping of
    arrays), like ``numpy.load``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), 'x.npy')
        >>> fnp.save(path, np.arange(3))
        >>> fnp.load(path).tolist()
        [0, 1, 2]
    """
    out = np.load(file, *args, **kwargs)
    return as_array_type(out) if isinstance(out, np.ndarray) else out
