"""Primitives (lax level): strict operands, static params. One module per family.

Each family module lists its public functions and ``*_p`` primitives in ``__all__``.
"""

from fungrad.lax.bit_counts import *  # noqa: F401,F403
from fungrad.lax.bit_shifts import *  # noqa: F401,F403
from fungrad.lax.bitcast import *  # noqa: F401,F403
from fungrad.lax.collectives import *  # noqa: F401,F403
from fungrad.lax.collectives_all_to_all import *  # noqa: F401,F403
from fungrad.lax.comparison import *  # noqa: F401,F403
from fungrad.lax.complex_parts import *  # noqa: F401,F403
from fungrad.lax.conditionals import *  # noqa: F401,F403
from fungrad.lax.conv_patches import *  # noqa: F401,F403
from fungrad.lax.conv_shapes import *  # noqa: F401,F403
from fungrad.lax.conv_shorthands import *  # noqa: F401,F403
from fungrad.lax.convolution import *  # noqa: F401,F403
from fungrad.lax.creation import *  # noqa: F401,F403
from fungrad.lax.cumulative import *  # noqa: F401,F403
from fungrad.lax.derived_arrays import *  # noqa: F401,F403
from fungrad.lax.derived_ops import *  # noqa: F401,F403
from fungrad.lax.dimension_numbers import *  # noqa: F401,F403
from fungrad.lax.dot import *  # noqa: F401,F403
from fungrad.lax.elementwise import *  # noqa: F401,F403
from fungrad.lax.fft import *  # noqa: F401,F403
from fungrad.lax.float_neighbors import *  # noqa: F401,F403
from fungrad.lax.generic_reduce import *  # noqa: F401,F403
from fungrad.lax.implicit import *  # noqa: F401,F403
from fungrad.lax.indexing import *  # noqa: F401,F403
from fungrad.lax.linalg import *  # noqa: F401,F403
from fungrad.lax.linalg_eig import *  # noqa: F401,F403
from fungrad.lax.linalg_pinv import *  # noqa: F401,F403
from fungrad.lax.loops import *  # noqa: F401,F403
from fungrad.lax.precision import *  # noqa: F401,F403
from fungrad.lax.ragged import *  # noqa: F401,F403
from fungrad.lax.reduce_precision import *  # noqa: F401,F403
from fungrad.lax.reductions import *  # noqa: F401,F403
from fungrad.lax.rng import *  # noqa: F401,F403
from fungrad.lax.scans import *  # noqa: F401,F403
from fungrad.lax.shape_ops import *  # noqa: F401,F403
from fungrad.lax.shape_shorthands import *  # noqa: F401,F403
from fungrad.lax.slicing_in_dim import *  # noqa: F401,F403
from fungrad.lax.sorting import *  # noqa: F401,F403
from fungrad.lax.special import *  # noqa: F401,F403
from fungrad.lax.special_scipy import (  # noqa: F401 (jax.lax's names; erfcx is scipy's only)
    bessel_i0e,
    bessel_i0e_p,
    bessel_i1e,
    bessel_i1e_p,
    betainc,
    betainc_p,
    zeta,
    zeta_p,
)
from fungrad.lax.top_k import *  # noqa: F401,F403
from fungrad.lax.while_loop import *  # noqa: F401,F403
from fungrad.lax.windowed import *  # noqa: F401,F403
from fungrad.lax.xla_indexing import *  # noqa: F401,F403 (gather/scatters taking both forms)

# jax.lax names built from fungrad.random's Philox streams (fungrad/random/lax_rng.py): the
# lax layer cannot import upwards, so they are looked up by name once fungrad.random exists.
_FROM_RANDOM = ("rng_bit_generator", "random_gamma_grad")


def __getattr__(name):
    if name in _FROM_RANDOM:
        from fungrad.random import lax_rng  # noqa: PLC0415 (fungrad.random imports lax)

        return getattr(lax_rng, name)
    raise AttributeError(f"module 'fungrad.lax' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_FROM_RANDOM])
