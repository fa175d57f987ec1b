"""The operand preparation every distribution shares: float promotion and ``(x - loc) / scale``."""

from __future__ import annotations

from fungrad.scipy.special import _floats


def floats(name: str, *args):
    """Promote and broadcast the operands of ``stats.<name>`` to one float dtype."""
    out = _floats(name, *args)
    return out if len(args) > 1 else [out]


def standardized(name: str, x, loc, scale, *shape_params):
    """``((x - loc) / scale, scale, *shape_params)``, all promoted to one float dtype."""
    x, loc, scale, *rest = floats(name, x, loc, scale, *shape_params)
    return ((x - loc) / scale, scale, *rest)
