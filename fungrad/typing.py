"""Type annotations for fungrad code (JAX's ``jax.typing``): ``ArrayLike`` and ``DTypeLike``.

``ArrayLike`` is what fungrad functions accept as an array argument: fungrad Arrays
(and tracers, which ``isinstance(x, fg.Array)`` accepts), NumPy arrays and scalars, and
Python scalars. ``DTypeLike`` is what they accept as a dtype. Annotate results with
``fg.Array``.
"""

from __future__ import annotations

from typing import Any, Protocol, Union

import numpy as np

from fungrad.core import Tracer
from fungrad.numpy.array_type import Array

__all__ = ["ArrayLike", "DTypeLike"]


class SupportsDType(Protocol):
    """An object with a ``.dtype`` attribute (such as an array)."""

    @property
    def dtype(self) -> np.dtype: ...


ArrayLike = Union[Array, Tracer, np.ndarray, np.bool_, np.number, bool, int, float, complex]  # noqa: UP007
DTypeLike = Union[str, type[Any], np.dtype, SupportsDType]  # noqa: UP007
