"""Arrays made from host data in fungrad.numpy: ``frombuffer``, ``fromstring``,
``fromfile``, ``fromiter`` and ``from_dlpack``.

Each reads its data with NumPy's namesake and returns an ``fnp.Array`` (a view, without a
copy where NumPy makes none). They read Python objects, not traced values, so they work
the same inside and outside transforms: under jit the data is read once, while tracing,
and becomes a constant of the traced program (jax.numpy refuses ``fromfile`` and
``fromiter`` for that reason; fungrad reads them, as ported NumPy code expects).
"""

from __future__ import annotations

import numpy as np

from fungrad.core import Tracer
from fungrad.numpy.array_type import as_array_type
from fungrad.numpy.creation import asarray

__all__ = ["frombuffer", "fromstring", "fromfile", "fromiter", "from_dlpack"]


def frombuffer(buffer, dtype=float, count: int = -1, offset: int = 0):
    """An array viewing the bytes of ``buffer`` (``numpy.frombuffer``).

    Args:
        buffer: an object exposing the buffer protocol (``bytes``, ``bytearray``...).
        dtype: the element dtype.
        count: the number of elements (-1: all).
        offset: the byte offset to start at.

    Returns:
        A 1-D array.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.frombuffer(b"\\x01\\x02\\x03", dtype=np.uint8).tolist()
        [1, 2, 3]
    """
    return as_array_type(np.frombuffer(buffer, dtype=dtype, count=count, offset=offset))


def fromstring(string: str, dtype=float, count: int = -1, *, sep: str):
    """An array parsed from the text ``string`` of numbers separated by ``sep``.

    Args:
        string: the text.
        dtype: the element dtype.
        count: the number of elements (-1: all).
        sep: the separator (required, as in jax.numpy; whitespace around it is skipped).

    Returns:
        A 1-D array.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.fromstring("1, 2, 3.5", sep=",").tolist()
        [1.0, 2.0, 3.5]
    """
    if sep == "":
        raise ValueError("fnp.fromstring: sep='' (NumPy's deprecated binary mode) is not "
                         "supported; use fnp.frombuffer for bytes")
    return as_array_type(np.fromstring(string, dtype=dtype, count=count, sep=sep))


def fromfile(file, dtype=float, count: int = -1, sep: str = "", offset: int = 0):
    """An array read from a binary or text file (``numpy.fromfile``).

    Args:
        file: a path or an open file.
        dtype: the element dtype.
        count: the number of elements (-1: all).
        sep: '' for raw binary data, else the separator of a text file.
        offset: the byte offset to start at (binary files only).

    Returns:
        A 1-D array.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> path = os.path.join(tempfile.mkdtemp(), "x.bin")
        >>> np.arange(3, dtype=np.int16).tofile(path)
        >>> fnp.fromfile(path, dtype=np.int16).tolist()
        [0, 1, 2]
    """
    return as_array_type(np.fromfile(file, dtype=dtype, count=count, sep=sep, offset=offset))


def fromiter(iter, dtype, count: int = -1):  # noqa: A002 (NumPy's name)
    """An array of the values an iterable yields (``numpy.fromiter``).

    Args:
        iter: the iterable of scalars (consumed once).
        dtype: the element dtype (required, as NumPy).
        count: how many values to read (-1: all).

    Returns:
        A 1-D array.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.fromiter((k * k for k in range(4)), dtype=int).tolist()
        [0, 1, 4, 9]
    """
    return as_array_type(np.fromiter(iter, dtype=dtype, count=count))


def from_dlpack(x, /, *, device=None, copy: bool | None = None):
    """An array sharing the memory of ``x`` through the DLPack protocol (CPU tensors of
    NumPy, PyTorch, JAX, ...).

    Args:
        x: an object with ``__dlpack__``.
        device: must be None or the CPU (fungrad's eager arrays live on the host).
        copy: True always copies, False never does (an error if it must), None copies
            only if needed.

    Returns:
        An ``fnp.Array``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.from_dlpack(np.arange(3)).tolist()
        [0, 1, 2]
    """
    if isinstance(x, Tracer):
        return asarray(x)
    if device is not None and str(getattr(device, "platform", device)).lower() != "cpu":
        raise ValueError(f"fnp.from_dlpack: device={device!r}; fungrad's eager arrays live "
                         "on the CPU (pass device=None)")
    return as_array_type(np.from_dlpack(x, copy=copy))
