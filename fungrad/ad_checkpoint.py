"""``fg.ad_checkpoint``: rematerialization, under JAX's module name ``jax.ad_checkpoint``.

The same objects as ``fg.checkpoint``, ``fg.checkpoint_name``, ``fg.checkpoint_policies``
and ``fg.print_saved_residuals`` (see :mod:`fungrad.transforms.checkpoint`).
"""

from fungrad.transforms.checkpoint import (  # noqa: F401
    checkpoint,
    checkpoint_name,
    checkpoint_policies,
    print_saved_residuals,
    remat,
    saved_residuals,
)

__all__ = ["checkpoint", "checkpoint_name", "checkpoint_policies", "print_saved_residuals",
           "remat", "saved_residuals"]
