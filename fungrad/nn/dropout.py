"""`Dropout`: randomly zero activations while training, with an explicit key."""

from __future__ import annotations

from typing import Any

import numpy as np

from fungrad import dtypes, random
from fungrad import numpy as fnp
from fungrad.nn.module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability `p` and scale the rest by ``1 / (1 - p)``.

    The expected output equals the input. In inference mode, or with ``p = 0``, the layer
    returns its input unchanged. Randomness comes only from the `key` passed to each call:
    the same key drops the same elements. Under `fg.vmap`, pass ``split(key, n)`` with
    ``in_axes=0`` so every example gets its own mask.

    >>> import fungrad as fg
    >>> drop = Dropout(0.5)
    >>> drop(np.ones(4), key=fg.random.key(0)).shape
    (4,)
    >>> drop(np.ones(2), inference=True)
    array([1., 1.])
    """

    p: float = 0.5
    inference: bool = False

    def __post_init__(self):
        if not 0.0 <= self.p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got p={self.p!r}.")
        self.p = float(self.p)  # static, even when given as a NumPy scalar

    def __call__(self, x: Any, *, key: Any = None, inference: bool | None = None) -> Any:
        """Apply dropout.

        Args:
          x: an array.
          key: a PRNG key; required in training mode (unless ``p == 0``).
          inference: overrides the layer's `inference` field for this call.

        Returns:
          An array like `x`.
        """
        inference = self.inference if inference is None else inference
        if inference or self.p == 0:
            return x
        if key is None:
            raise ValueError(
                "Dropout: called in training mode without a key. Pass key=... (e.g. "
                "fg.random.split(key)[0]), or inference=True to turn dropout off."
            )
        x = fnp.asarray(x)
        if not dtypes.is_inexact(x.dtype):
            x = fnp.asarray(x, dtype=np.float64)
        if self.p == 1:
            return fnp.zeros_like(x)
        keep = random.bernoulli(key, 1.0 - self.p, tuple(x.shape))
        scale = np.dtype(x.dtype).type(1.0 / (1.0 - self.p))
        return fnp.where(keep, x * scale, fnp.zeros_like(x))
