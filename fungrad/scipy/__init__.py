"""fungrad.scipy: SciPy's API, differentiable under every fungrad transform (``jax.scipy``).

``from fungrad.scipy import special, stats, linalg, signal, integrate, optimize, sparse``.
"""

from fungrad.scipy import (  # noqa: F401
    integrate,
    interpolate,
    linalg,
    ndimage,
    optimize,
    signal,
    sparse,
    special,
    stats,
)
