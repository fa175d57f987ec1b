"""``debug_nans`` / ``debug_infs``: stop at the first primitive that makes a nan or an infinity.

A primitive is reported when its result holds a nan (an infinity) while its operands hold
none, so the error points at the operation that created the bad value rather than at one
that merely passed it on. The :class:`FloatingPointError` names the primitive, the user's
source line and whether it ran in the forward or the backward pass.

Why swapping methods: the eager fast path (``Primitive.bind`` with no transform active, and
``Trace.bind_on_parent`` onto the eval trace, the primal half of ``grad``) must not pay for
a check that is off. :func:`install` therefore replaces those two methods by checking
versions while a check is on and puts the originals back when both are off. Jitted
programs run through a checking interpreter instead of their generated function
(:func:`fungrad.interpreters.executable.executable`), and the backward pass marks the source
lines of the equations it transposes (:func:`fungrad.ir.backward_site`).
"""

from __future__ import annotations

import numpy as np

from fungrad import core, dtypes
from fungrad.core import Primitive, Trace, get_aval
from fungrad.errors import user_site
from fungrad.ir import BACKWARD_MARK, is_backward_site

__all__ = ["install", "check_result", "state"]


class _State:
    __slots__ = ("nans", "infs", "enabled")

    def __init__(self):
        self.nans = self.infs = self.enabled = False


state = _State()
_plain_bind = Primitive.bind
_plain_bind_on_parent = Trace.bind_on_parent


def install(*, nans: bool, infs: bool) -> None:
    """Turn the nan and inf checks on or off (``fg.config.update`` calls this)."""
    state.nans, state.infs = bool(nans), bool(infs)
    on = state.enabled = state.nans or state.infs
    Primitive.bind = _checked_bind if on else _plain_bind
    Trace.bind_on_parent = _checked_bind_on_parent if on else _plain_bind_on_parent


def _checked_bind(self: Primitive, *args, **params):
    out = _plain_bind(self, *args, **params)
    if core._context.trace is core.eval_trace:
        check_result(self, args, out)
    return out


def _checked_bind_on_parent(self: Trace, prim: Primitive, args, params):
    out = _plain_bind_on_parent(self, prim, args, params)
    if self.parent is core.eval_trace:
        check_result(prim, args, out)
    return out


def _has_nan(x) -> bool:
    return _inexact(x) and bool(np.any(np.isnan(x)))


def _has_inf(x) -> bool:
    return _inexact(x) and bool(np.any(np.isinf(x)))


def _inexact(x) -> bool:
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return type(x) is float or type(x) is complex
    return dtypes.is_inexact(dtype)


def check_result(prim: Primitive, args, out, site: str = "", where: str = "") -> None:
    """Raise FloatingPointError if ``out`` holds a nan (inf) that ``args`` do not.

    ``site`` is the equation's source line (default: the line being evaluated, or the
    user's innermost frame); ``where`` says what ran it (e.g. "constant folding").
    """
    outs = out if prim.multiple_results else (out,)
    for flag, test, what in ((state.nans, _has_nan, "nan"), (state.infs, _has_inf, "inf")):
        if not flag or not any(test(o) for o in outs):
            continue
        if any(test(a) for a in args) or (what == "inf" and any(_has_nan(a) for a in args)):
            continue  # the bad value came in from outside: not this primitive's doing
        site = site or core._context.site or user_site()
        raise FloatingPointError(_message(prim, args, outs, what, site, where))


def _message(prim, args, outs, what: str, site: str, where: str) -> str:
    option = "debug_nans" if what == "nan" else "debug_infs"
    phase = ("backward pass (a derivative of this line)" if is_backward_site(site)
             else "forward pass")
    line = site.removesuffix(BACKWARD_MARK)
    article = "a" if what == "nan" else "an"
    operands = ", ".join(_aval_str(a) for a in args) or "none"
    results = ", ".join(_aval_str(o) for o in outs)
    inside = f" inside {where}" if where else ""
    return (
        f"{option}: primitive `{prim.name}` produced {what} from operands without {what}, "
        f"in the {phase}{inside}, at {line}.\n"
        f"  operands: {operands}; results: {results}\n"
        f"  Print the values reaching that line with fg.debug.print; {article} {what} in the "
        "backward pass of fnp.where usually means the unselected branch needs a safe operand. "
        f"Turn the check off with fg.config.update({option!r}, False)."
    )


def _aval_str(x) -> str:
    try:
        return get_aval(x).str_short()
    except TypeError:
        return type(x).__name__
