"""Jacobians and Hessians from jvp/vjp and vmap: ``jacfwd``, ``jacrev``, ``hessian``, ``hvp``.

Which to use:

- ``jacfwd`` pushes one basis tangent per *input* element through ``jvp`` (vmapped): best
  when inputs are few and outputs many ("tall" Jacobians).
- ``jacrev`` pulls one basis cotangent per *output* element through ``vjp`` (vmapped): best
  when outputs are few and inputs many ("wide" Jacobians, e.g. gradients of a few losses).
- ``hessian = jacfwd(jacrev(f))``: forward-over-reverse, the efficient combination.
- ``hvp(f, primals, tangents)``: a Hessian-vector product without forming the Hessian, at
  the cost of a few gradients (forward-over-reverse).

Output layout (as in JAX): for each output leaf of shape ``O`` and input leaf of shape ``I``
the Jacobian block has shape ``O + I``; blocks are arranged as the output pytree whose
leaves are input pytrees (a tuple over arguments when ``argnums`` is a tuple).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fungrad.array_module import constant_like
from fungrad.core import get_aval
from fungrad.numpy.array_type import as_outputs
from fungrad.transforms.api import (
    _argnums_tuple,
    _check_grad_inputs,
    check_callable,
    check_output_dtypes,
    fun_name,
    grad,
    jvp,
    partial_argnums,
    vjp,
)
from fungrad.transforms.vmap_api import vmap
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["jacfwd", "jacrev", "jacobian", "hessian", "hvp"]


def _basis(leaves) -> list:
    """Rows of the identity over all leaves' elements, split back into each leaf's shape."""
    avals = [get_aval(x) for x in leaves]
    sizes = [int(np.prod(a.shape, dtype=np.int64)) for a in avals]
    total = sum(sizes)
    dtype = np.result_type(*[a.dtype for a in avals]) if avals else np.float64
    eye = np.eye(total, dtype=dtype)
    out, offset = [], 0
    for leaf, aval, size in zip(leaves, avals, sizes):
        block = eye[:, offset:offset + size].astype(aval.dtype, copy=False)
        out.append(constant_like(block.reshape((total, *aval.shape)), leaf))  # leaf's device
        offset += size
    return out, sizes


def _split_last(x, sizes, shapes, lead_shape):
    """Split the trailing axis of ``x`` (length sum(sizes)) into blocks of ``shapes``."""
    from fungrad.numpy import reshape  # noqa: PLC0415
    from fungrad.numpy.indexing import getitem  # noqa: PLC0415

    blocks, offset = [], 0
    for size, shape in zip(sizes, shapes):
        piece = getitem(x, (Ellipsis, slice(offset, offset + size)))
        blocks.append(reshape(piece, (*lead_shape, *shape)))
        offset += size
    return blocks


def _split_first(x, sizes, shapes, trail_shape):
    """Split the leading axis of ``x`` (length sum(sizes)) into blocks of ``shapes``."""
    from fungrad.numpy import reshape  # noqa: PLC0415
    from fungrad.numpy.indexing import getitem  # noqa: PLC0415

    blocks, offset = [], 0
    for size, shape in zip(sizes, shapes):
        piece = getitem(x, slice(offset, offset + size))
        blocks.append(reshape(piece, (*shape, *trail_shape)))
        offset += size
    return blocks


def jacfwd(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False):
    """Jacobian of ``fun`` by forward mode (vmap of jvp over input basis vectors).

    Args:
        fun: function of arrays/pytrees returning arrays/pytrees.
        argnums: int or tuple of ints: the arguments to differentiate.
        has_aux: ``fun`` returns ``(out, aux)``; the Jacobian function returns
            ``(jacobian, aux)``.
        holomorphic: ``fun`` is holomorphic with complex inputs and outputs; the Jacobian
            is then ``df/dz``. Without it, inputs must be real (as in JAX).

    Returns:
        A function with ``fun``'s signature returning the Jacobian (layout in module doc).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> fg.jacfwd(lambda x: x ** 2)(np.array([1.0, 2.0]))
        Array([[2., 0.],
               [0., 4.]])
    """

    check_callable("jacfwd", fun)

    def jacfun(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "jacfwd", fun)
        dyn = tuple(args[i] for i in nums)
        _check_grad_inputs("jacfwd", fun, dyn, nums, False, holomorphic, complex_ok=False)
        partial_fun = partial_argnums(fun, args, nums, kwargs)
        in_leaves, in_tree = tree_flatten(dyn)
        basis, sizes = _basis(in_leaves)
        in_shapes = [get_aval(x).shape for x in in_leaves]

        def pushfwd(*basis_leaves):
            tangents = tree_unflatten(in_tree, basis_leaves)
            result = jvp(partial_fun, dyn, tangents, has_aux=has_aux)
            return result[1], (result[0], result[2] if has_aux else None)

        jac, (out, aux) = vmap(pushfwd, out_axes=(-1, None))(*basis)
        if holomorphic:
            check_output_dtypes("jacfwd", fun, out, holomorphic)
        out_leaves, out_tree = tree_flatten(out)
        jac_leaves = tree_flatten(jac)[0]
        per_out = []
        for o, j in zip(out_leaves, jac_leaves):
            blocks = as_outputs(_split_last(j, sizes, in_shapes, get_aval(o).shape))
            tree = tree_unflatten(in_tree, blocks)
            per_out.append(tree[0] if isinstance(argnums, (int, np.integer)) else tree)
        result = tree_unflatten(out_tree, per_out)
        return (result, aux) if has_aux else result

    jacfun.__name__ = f"jacfwd({fun_name(fun)})"
    return jacfun


def jacrev(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False,
           allow_int: bool = False):
    """Jacobian of ``fun`` by reverse mode (vmap of vjp over output basis vectors).

    Same arguments and output layout as :func:`jacfwd` (plus ``allow_int``). Without
    ``holomorphic``, complex inputs are allowed but outputs must be real (as in JAX).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> fg.jacrev(lambda x: fnp.array([x[0] * x[1], x[1]]))(np.array([2.0, 3.0]))
        Array([[3., 2.],
               [0., 1.]])
    """

    check_callable("jacrev", fun)

    def jacfun(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "jacrev", fun)
        dyn = tuple(args[i] for i in nums)
        _check_grad_inputs("jacrev", fun, dyn, nums, allow_int, holomorphic)
        partial_fun = partial_argnums(fun, args, nums, kwargs)
        result = vjp(partial_fun, *dyn, has_aux=has_aux)
        out, pullback = result[0], result[1]
        check_output_dtypes("jacrev", fun, out, holomorphic)
        out_leaves, out_tree = tree_flatten(out)
        if not out_leaves:  # no outputs (None, an empty tuple): an empty Jacobian
            return (out, result[2]) if has_aux else out
        basis, sizes = _basis(out_leaves)
        out_shapes = [get_aval(x).shape for x in out_leaves]
        cts = vmap(lambda *b: pullback(tree_unflatten(out_tree, b)))(*basis)
        ct_leaves, in_tree = tree_flatten(cts)
        # ct_leaves[i] has shape (M, *in_shape_i); split M into the output leaves' shapes.
        per_in = [as_outputs(_split_first(c, sizes, out_shapes, get_aval(c).shape[1:]))
                  for c in ct_leaves]
        per_out = []
        for j in range(len(out_leaves)):
            tree = tree_unflatten(in_tree, [blocks[j] for blocks in per_in])
            per_out.append(tree[0] if isinstance(argnums, (int, np.integer)) else tree)
        jac = tree_unflatten(out_tree, per_out)
        return (jac, result[2]) if has_aux else jac

    jacfun.__name__ = f"jacrev({fun_name(fun)})"
    return jacfun


jacobian = jacrev


def hessian(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False):
    """Hessian of scalar ``fun``: ``jacfwd(jacrev(fun))`` (forward-over-reverse).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> fg.hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 2.0]))
        Array([[4., 2.],
               [2., 0.]])
    """
    return jacfwd(jacrev(fun, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)


def hvp(fun: Callable, primals, tangents):
    """Hessian-vector product of scalar ``fun`` at ``primals`` along ``tangents``.

    Forward-over-reverse: ``jvp(grad(fun), primals, tangents)[1]``; costs about as much as a
    few gradient evaluations and never forms the Hessian.

    Args:
        fun: scalar-valued function.
        primals: tuple of arguments.
        tangents: tuple of directions, one per argument (same structure).

    Returns:
        ``H @ v`` with the structure of the first argument (a tuple over arguments when
        ``fun`` takes several).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> fg.hvp(lambda x: fnp.sum(x ** 3), (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
        Array([6., 0.])
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "hvp: primals and tangents must be tuples or lists of arguments, e.g. "
            f"hvp(f, (x,), (v,)); got {type(primals).__name__} and {type(tangents).__name__}.")
    primals, tangents = tuple(primals), tuple(tangents)
    nums = tuple(range(len(primals)))
    g = grad(fun, argnums=nums[0] if len(nums) == 1 else nums)
    return jvp(g, primals, tangents)[1]
