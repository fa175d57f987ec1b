"""``fungrad.experimental``: JAX's experimental names that ported code reaches for.

``ode.odeint`` (``jax.experimental.ode.odeint``).
"""

from fungrad.experimental import ode

__all__ = ["ode"]
