"""The operand preparation every distribution shares: float promotion and ``(x - loc) / scale``."""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.special import _floats


def floats(name: str, *args):
    """Promote and broadcast the operands of ``stats.<name>`` to one float dtype."""
    out = _floats(name, *args)
    return out if len(args) > 1 else [out]


def standardized(name: str, x, loc, scale, *shape_params):
    """``((x - loc) / scale, scale, *shape_params)``, all promoted to one float dtype."""
    x, loc, scale, *rest = floats(name, x, loc, scale, *shape_params)
    return ((x - loc) / scale, scale, *rest)


def log_of_probability(p, complement):
    """``log(p)`` where ``p < 1/2``, else ``log1p(-complement)`` (keeps the digits of a
    ``p`` near 1). Each branch sees only values it is finite at, so gradients stay finite."""
    small = p < 0.5
    out = fnp.where(small, fnp.log(fnp.where(small & (p > 0), p, 0.5)),
                    fnp.log1p(-fnp.where(small, 0.5, complement)))
    return fnp.where(p == 0, -np.inf, out)  # log(0) = -inf, without NumPy's warning
