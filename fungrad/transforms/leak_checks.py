"""The ``check_tracer_leaks`` option: find tracers that outlive their transform.

Without the option, a leaked tracer is reported when it is next used (binding a tracer of
a finished transform raises :class:`fungrad.errors.LeakedTracerError`). With it, each
transform entry point (``grad``, ``value_and_grad``, ``vjp``, ``jvp``, ``linearize``,
``vmap``, ``jit`` when it traces, ``make_ir``/``make_jaxpr``/``eval_shape``) calls
:func:`start` before and :func:`finish` after its work: ``finish`` runs the garbage
collector and raises if any tracer created during the call, whose transform has
returned, is still referenced, e.g. appended to a global list. This walks every object the
collector tracks, so it is for debugging only (as JAX's option).
"""

from __future__ import annotations

import gc

from fungrad import core
from fungrad.config import config
from fungrad.core import Tracer
from fungrad.errors import LeakedTracerError

__all__ = ["start", "finish"]


def start() -> int | None:
    """Return a marker for :func:`finish` while the option is on, else None (cheap)."""
    if not config._values["check_tracer_leaks"]:
        return None
    return next(core._trace_tags)  # every trace created from now on has a larger tag


def finish(marker: int | None, transform: str, fun) -> None:
    """Raise LeakedTracerError if a tracer of a trace newer than ``marker`` is still alive
    while its trace has finished."""
    if marker is None:
        return
    gc.collect()
    leaked = [o for o in gc.get_objects() if _is_dead_tracer(o, marker)]
    if not leaked:
        return
    tracer = leaked[0]
    holders = sorted({type(r).__name__ for r in gc.get_referrers(tracer)
                      if r is not leaked and not _is_frame(r)})
    name = getattr(fun, "__qualname__", None) or getattr(fun, "__name__", repr(fun))
    del leaked
    raise LeakedTracerError(
        f"check_tracer_leaks: {transform} of `{name}` returned, but a tracer "
        f"{tracer.aval.str_short()} it created is still referenced"
        f"{' by a ' + ' / '.join(holders) if holders else ''} (created by the "
        f"{tracer._trace.describe()}). A traced value escaped the transform: it was stored in "
        "a global, an attribute or a closure. Return it from the transformed function "
        "instead (UnexpectedTracerError in JAX).")


def _is_frame(obj) -> bool:
    return type(obj).__name__ == "frame"


def _is_dead_tracer(obj, marker: int) -> bool:
    """Whether ``obj`` is a tracer of a finished trace newer than ``marker``."""
    try:
        return isinstance(obj, Tracer) and obj._trace.tag > marker and not obj._trace.valid
    except ReferenceError:  # a weakref.proxy whose referent has died
        return False
