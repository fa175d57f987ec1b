"""``fungrad.optim.experimental`` (as ``optax.experimental``): `aggregating`, aggregators
of per-example updates.

>>> from fungrad import optim
>>> optim.experimental.aggregating.average_per_element_updates().init(None)
EmptyState()
"""

from fungrad.optim.experimental import aggregating  # noqa: F401

__all__ = ["aggregating"]
