"""Array operations the interpreters need but do not define; the ``lax`` package installs them.

The interpreters build zeros (:func:`broadcast_in_dim` of a rank-0 zero), move batch
axes (:func:`transpose`) and scale tangents (:func:`mul_p` and :func:`div_p`, the product
and quotient primitives). Those are lax primitives, and lax builds on the interpreters,
so the interpreters call them through these hooks instead of importing lax: the import
graph stays one stack.
``lax/shape_ops.py`` and ``lax/elementwise.py`` call :func:`install` when imported.
"""

from __future__ import annotations

from collections.abc import Callable

_ops: dict[str, Callable] = {}


def install(**ops: Callable) -> None:
    """Install the named array operations (``broadcast_in_dim``, ``transpose``, ``mul_p``,
    ``div_p``)."""
    _ops.update(ops)


def _op(name: str) -> Callable:
    try:
        return _ops[name]
    except KeyError:
        raise RuntimeError(
            f"fungrad.interpreters needs `{name}`, which the lax package installs when "
            "imported; import fungrad before using the interpreters directly."
        ) from None


def broadcast_in_dim(x, shape: tuple[int, ...], broadcast_dimensions: tuple[int, ...]):
    """``lax.broadcast_in_dim``: place ``x``'s axes at ``broadcast_dimensions`` of ``shape``."""
    return _op("broadcast_in_dim")(x, shape, broadcast_dimensions)


def transpose(x, permutation: tuple[int, ...]):
    """``lax.transpose``: permute the axes of ``x``."""
    return _op("transpose")(x, permutation)


def mul_p():
    """``lax.mul_p``: the primitive that scaled tangents are recorded as."""
    return _op("mul_p")


def div_p():
    """``lax.div_p``: the primitive that divided tangents (``defjvp_scaled(..., divide=)``)
    are recorded as."""
    return _op("div_p")
