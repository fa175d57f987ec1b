"""``fungrad.scipy.cluster``: vector quantization (``vq``), as ``jax.scipy.cluster``."""

from fungrad.scipy.cluster import vq  # noqa: F401
