"""``fungrad.optim.losses`` is `fungrad.nn.losses` (as ``optax.losses``): the same functions."""

from fungrad.nn.losses import *  # noqa: F401,F403
from fungrad.nn.losses import __all__  # noqa: F401
