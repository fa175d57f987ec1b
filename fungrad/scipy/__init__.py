"""fungrad.scipy: SciPy's API, differentiable under every fungrad transform (``jax.scipy``).

``from fungrad.scipy import special, stats, linalg, signal, integrate``.
"""

from fungrad.scipy import integrate, linalg, signal, special, stats  # noqa: F401
