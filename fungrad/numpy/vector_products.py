"""Vector and block products of fungrad.numpy: ``cross``, ``kron`` and the stacked
matrix-vector products ``matvec`` and ``vecmat`` (bilinear, so differentiable)."""

from __future__ import annotations

from fungrad.core import shape_of
from fungrad.errors import ShapeError
from fungrad.numpy.complex_parts import conj
from fungrad.numpy.contractions import matmul
from fungrad.numpy.creation import zeros_like
from fungrad.numpy.joining import stack
from fungrad.numpy.promotion import as_operand, promote_dtypes
from fungrad.numpy.reshaping import moveaxis, normalize_axis, reshape

__all__ = ["cross", "kron", "matvec", "vecmat"]


def cross(a, b, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None):
    """The cross product of vectors of length 2 or 3 along ``axisa`` of ``a`` and ``axisb``
    of ``b``, broadcast over the other axes, like ``jax.numpy.cross``.

    Args:
        a, b: arrays whose vector axes have length 2 or 3 (a 2-vector has a zero third
            component).
        axisa, axisb: the vector axes of ``a`` and ``b``.
        axisc: where the result's vector axis goes (absent when both are 2-vectors: the
            result is then the scalar z component).
        axis: if given, overrides all three.

    Returns:
        The cross products, in the promoted dtype.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.cross(fnp.array([1.0, 0.0, 0.0]), fnp.array([0.0, 1.0, 0.0])).tolist()
        [0.0, 0.0, 1.0]
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = promote_dtypes("cross", as_operand(a), as_operand(b))
    u = _components("a", a, axisa)
    v = _components("b", b, axisb)
    if len(u) == 2 and len(v) == 2:
        return u[0] * v[1] - u[1] * v[0]
    # A 2-vector's third component is a built zero (as in JAX, inf * 0 gives nan there).
    u = u + [zeros_like(u[0])] * (3 - len(u))
    v = v + [zeros_like(v[0])] * (3 - len(v))
    out = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]
    ndim = len(shape_of(out[0])) + 1
    return stack(out, axis=normalize_axis("cross", axisc, ndim, "axisc"))


def _components(name: str, x, axis: int) -> list:
    shape = shape_of(x)
    if not shape:
        raise ShapeError(f"fnp.cross: {name} is a scalar; it needs a vector axis of "
                         "length 2 or 3")
    axis = normalize_axis("cross", axis, len(shape), f"axis{name}")
    if shape[axis] not in (2, 3):
        raise ShapeError(f"fnp.cross: the vector axis {axis} of {name} (shape {shape}) has "
                         f"length {shape[axis]}; it must be 2 or 3")
    x = moveaxis(x, axis, -1)
    return [x[..., i] for i in range(shape[axis])]



def kron(a, b):
    """The Kronecker product: block ``(i, j, ...)`` of the result is ``a[i, j, ...] * b``.

    The operands are first given the same rank by leading axes of length 1, as NumPy.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.kron(np.array([1, 2]), np.array([[1, 10], [100, 1000]])).tolist()
        [[1, 10, 2, 20], [100, 1000, 200, 2000]]
    """
    a, b = promote_dtypes("kron", as_operand(a), as_operand(b))
    sa, sb = shape_of(a), shape_of(b)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    # Interleave the axes: a over (a1, 1, a2, 1, ...), b over (1, b1, 1, b2, ...).
    spread_a = reshape(a, tuple(d for n in sa for d in (n, 1)))
    spread_b = reshape(b, tuple(d for n in sb for d in (1, n)))
    return reshape(spread_a * spread_b, tuple(x * y for x, y in zip(sa, sb)))


def _stacked(fn: str, x, rank: int, what: str):
    x = as_operand(x)
    if len(shape_of(x)) < rank:
        raise ShapeError(f"fnp.{fn}: {what} needs rank >= {rank}, got shape {shape_of(x)}")
    return x


def matvec(x1, x2, /):
    """Matrix-vector products over stacks: ``x1[..., m, n] @ x2[..., n] -> [..., m]`` (the
    leading axes broadcast).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.matvec(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0])).tolist()
        [3.0, 7.0]
    """
    x1 = _stacked("matvec", x1, 2, "x1 (the matrices)")
    x2 = _stacked("matvec", x2, 1, "x2 (the vectors)")
    return matmul(x1, x2[..., None])[..., 0]


def vecmat(x1, x2, /):
    """Vector-matrix products over stacks: ``conj(x1[..., n]) @ x2[..., n, m] -> [..., m]``
    (the leading axes broadcast; complex vectors are conjugated, as NumPy).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.vecmat(np.array([1.0, 1.0]), np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
        [4.0, 6.0]
    """
    x1 = _stacked("vecmat", x1, 1, "x1 (the vectors)")
    x2 = _stacked("vecmat", x2, 2, "x2 (the matrices)")
    return matmul(conj(x1)[..., None, :], x2)[..., 0, :]
