"""fungrad.custom_derivatives: user-defined derivative rules, under JAX's module name
``jax.custom_derivatives``.

The same objects as ``fg.custom_jvp``, ``fg.custom_vjp``, ``fg.custom_gradient`` and
``fg.closure_convert`` (see :mod:`fungrad.transforms.custom_derivatives`), and the two call
primitives they bind. JAX's ``linear_call``, ``SymbolicZero``, ``CustomVJPPrimal`` and
``zero_from_primal`` have no fungrad counterpart.

>>> import fungrad as fg
>>> fg.custom_derivatives.custom_jvp is fg.custom_jvp
True
"""

from fungrad.transforms.custom_derivatives import (
    custom_jvp,
    custom_jvp_call_p,
    custom_vjp,
    custom_vjp_call_p,
)
from fungrad.transforms.custom_gradient import custom_gradient
from fungrad.transforms.staging_api import closure_convert

__all__ = ["closure_convert", "custom_gradient", "custom_jvp", "custom_jvp_call_p",
           "custom_vjp", "custom_vjp_call_p"]
