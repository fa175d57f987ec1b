"""fungrad.scipy: SciPy's API, differentiable under every fungrad transform (``jax.scipy``).

``from fungrad.scipy import special, stats, linalg, signal, integrate, optimize``; also
``sparse`` (``sparse.linalg``), ``ndimage``, ``interpolate``, ``fft`` and ``cluster``
(``cluster.vq``).
"""

from fungrad.scipy import (  # noqa: F401
    cluster,
    fft,
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
