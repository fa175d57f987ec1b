"""fungrad's error types and the helper that finds the user's source line for them."""

from __future__ import annotations

import os
import sys

__all__ = [
    "FungradError",
    "ShapeError",
    "IntegerArgumentError",
    "NegativeIntegerPowerError",
    "ConcretizationError",
    "TracerArrayConversionError",
    "LeakedTracerError",
    "MissingRuleError",
    "CustomRuleError",
    "TransformError",
    "UnhashableStaticArgError",
    "user_site",
]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_SKIP_DIRS = (_PACKAGE_DIR + os.sep,)


class FungradError(Exception):
    """Base class of the errors fungrad raises about user programs."""


class ShapeError(FungradError, ValueError, TypeError):
    """Operands of a primitive or function have incompatible shapes.

    Both a ValueError (what NumPy raises) and a TypeError (what JAX raises for shapes that
    do not fit: ``dot``, ``matmul``, ``einsum``, ``reshape``), so ported ``except`` clauses
    of either kind still catch it.
    """


class IntegerArgumentError(FungradError, TypeError, ValueError):
    """An integer argument (a size, count, axis or offset) was given a float (2.5, or 2.0).

    Both a TypeError (what NumPy raises, and jax.numpy for most such arguments) and a
    ValueError (what jax.numpy raises for ``eye``'s ``k`` and ``trace``'s ``offset``), so
    ported ``except`` clauses of either kind still catch it.
    """


class NegativeIntegerPowerError(FungradError, ValueError, TypeError):
    """An integer (or boolean) array raised to a negative integer power.

    Both a ValueError (what NumPy raises) and a TypeError (what jax.numpy raises for a
    negative Python int exponent).
    """


class ConcretizationError(FungradError, TypeError):
    """A traced value was used where a concrete Python value is required."""


class TracerArrayConversionError(FungradError, TypeError):
    """A tracer was converted to a NumPy array (``np.asarray``, ``np.sin(tracer)``...)."""


class LeakedTracerError(FungradError, RuntimeError):
    """A tracer was used outside the transform that created it."""


class MissingRuleError(FungradError, NotImplementedError):
    """A primitive lacks the rule that a transform needs."""


class CustomRuleError(FungradError, TypeError):
    """A ``custom_jvp``/``custom_vjp`` rule returned outputs of the wrong structure/shape/dtype."""


class TransformError(FungradError, ValueError):
    """A transform cannot be applied to this program (e.g. reverse mode of a while loop)."""


class UnhashableStaticArgError(FungradError, TypeError):
    """A static argument of ``jit`` (or ``checkpoint``) is not hashable."""


class DeviceMismatchError(FungradError, ValueError):
    """Operands of one primitive (or one jitted call) live on different devices."""


def user_site(skip_dirs: tuple[str, ...] = _SKIP_DIRS) -> str:
    """Return ``"file:line (function)"`` of the innermost frame outside fungrad.

    Used in error messages and on traces and IR equations so that errors point at the
    user's line rather than at fungrad's internals.
    """
    frame = sys._getframe(1)
    internal = _INTERNAL_CODES if skip_dirs is _SKIP_DIRS else set()
    while frame is not None:
        code = frame.f_code
        if code not in internal:  # fungrad's own code objects are remembered (a set
            # lookup instead of a string test per frame: every transform call asks)
            if not code.co_filename.startswith(skip_dirs):
                return f"{code.co_filename}:{frame.f_lineno} ({code.co_name})"
            internal.add(code)
        frame = frame.f_back
    return "<unknown>"


_INTERNAL_CODES: set = set()  # code objects under _SKIP_DIRS (bounded: fungrad's own)
