"""``jax.lax``'s keyed random names, implemented on fungrad's Philox streams:
``rng_bit_generator`` and ``random_gamma_grad`` (``fungrad.lax`` exports both by name).

They live here, above ``fungrad.lax``, because they are made of ``fungrad.random``'s key
splitting, bit sampling and gamma machinery; the lax layer cannot import upwards.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fungrad.core import get_aval
from fungrad.lax.rng import RandomAlgorithm
from fungrad.random import bits
from fungrad.random.gamma_family import random_gamma_grad
from fungrad.random.keys import split

__all__ = ["rng_bit_generator", "random_gamma_grad"]

_BIT_DTYPES = (np.uint8, np.uint16, np.uint32, np.uint64)


def rng_bit_generator(key: Any, shape, dtype=np.uint32, algorithm=RandomAlgorithm.RNG_DEFAULT,
                      *, out_sharding=None):
    """``(new_key, bits)``: random unsigned bits of ``shape`` and the key to use next.

    ``key`` is a fungrad key (a raw ``uint32[2]``, e.g. ``random.key(0)``); the result's key
    has that form too. Every ``algorithm`` draws from fungrad's Philox streams, so the bits
    differ from XLA's (JAX's keys there are ``uint32[4]``). ``out_sharding`` must be None.
    The same key gives the same bits; it is pure, so it works under jit and vmap.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax, random
        >>> new_key, b = lax.rng_bit_generator(random.key(0), (2, 3), dtype=np.uint8)
        >>> new_key.shape, b.shape, b.dtype
        ((2,), (2, 3), dtype('uint8'))
    """
    if out_sharding is not None:
        raise ValueError("lax.rng_bit_generator: out_sharding is not supported (fungrad has "
                         "no shardings); pass None.")
    dt = np.dtype(dtype)
    if dt.type not in _BIT_DTYPES:
        raise TypeError(f"lax.rng_bit_generator: unsupported dtype {dt}; use uint8, uint16, "
                        "uint32 or uint64.")
    if not isinstance(algorithm, RandomAlgorithm):
        raise TypeError(f"lax.rng_bit_generator: algorithm={algorithm!r} is not a "
                        "lax.RandomAlgorithm (RNG_DEFAULT, RNG_THREE_FRY or RNG_PHILOX).")
    aval = get_aval(key)
    if aval.shape != (2,) or aval.dtype != np.uint32:
        raise TypeError(
            f"lax.rng_bit_generator: key must be a fungrad key, a uint32 array of shape (2,) "
            f"(fungrad.random.key(seed)), got {aval.dtype} of shape {aval.shape}. JAX's "
            "uint32[4] XLA keys are not taken; under vmap pass one key per lane.")
    keys = split(key, 2)
    return keys[0], bits(keys[1], shape, dt)
