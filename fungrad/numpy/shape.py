"""Shape functions of fungrad.numpy: reshaping, joining, splitting, flipping and
matrix parts (diagonal, triangles), written in terms of lax shape primitives.

Every function here is linear in its array arguments, so all of them are differentiable.
Indices, shifts, repeats and widths are static Python values (NumPy/JAX signatures); axes
may be negative. The functions live by concept in four modules, re-exported here:

* ``fungrad.numpy.reshaping``: reshape, transpose and axis moves, broadcasting,
  ``atleast_*``, shape queries, and the shared static shape/axis argument checks;
* ``fungrad.numpy.joining``: concatenate, the stacks, split and array_split;
* ``fungrad.numpy.rearranging``: flip, roll, tile and repeat (``pad`` has its own
  module, ``fungrad.numpy.padding``, as its statistic modes need the reductions);
* ``fungrad.numpy.matrix_parts``: tril, triu, diagonal, diag, trace and outer.
"""

from fungrad.numpy.joining import (
    append,
    array_split,
    block,
    column_stack,
    concatenate,
    dsplit,
    dstack,
    hsplit,
    hstack,
    split,
    stack,
    vsplit,
    vstack,
)
from fungrad.numpy.matrix_parts import (
    diag,
    diagflat,
    diagonal,
    outer,
    trace,
    tril,
    triu,
)
from fungrad.numpy.rearranging import (
    flip,
    fliplr,
    flipud,
    repeat,
    resize,
    roll,
    rot90,
    tile,
    trim_zeros,
)
from fungrad.numpy.reshaping import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_arrays,
    broadcast_shapes,
    broadcast_to,
    expand_dims,
    moveaxis,
    ndim,
    normalize_axes,  # noqa: F401 - not in fnp's API; fnp's reductions and sorting import it
    normalize_axis,  # noqa: F401 - likewise
    ravel,
    reshape,
    rollaxis,
    shape,
    size,
    squeeze,
    swapaxes,
    transpose,
)

__all__ = [
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze",
    "broadcast_to", "broadcast_arrays", "broadcast_shapes", "concatenate", "stack", "hstack",
    "vstack", "dstack", "column_stack", "split", "array_split", "flip", "fliplr", "flipud",
    "roll", "tile", "repeat", "triu", "tril", "diag", "diagonal", "trace", "outer",
    "atleast_1d", "atleast_2d", "atleast_3d", "ndim", "shape", "size", "append", "rot90",
    "hsplit", "vsplit", "dsplit", "diagflat", "resize", "block", "rollaxis", "trim_zeros",
]
