"""``optax.tree``'s short names for the `tree_utils` functions (``tree.add`` is
``tree_utils.tree_add``)."""

from fungrad.optim.tree_utils import (
    tree_add as add,
    tree_add_scale as add_scale,
    tree_allclose as allclose,
    tree_bias_correction as bias_correction,
    tree_cast as cast,
    tree_cast_like as cast_like,
    tree_clip as clip,
    tree_div as div,
    tree_dtype as dtype,
    tree_full_like as full_like,
    tree_max as max,  # noqa: A004
    tree_min as min,  # noqa: A004
    tree_mul as mul,
    tree_norm as norm,
    tree_ones_like as ones_like,
    tree_scale as scale,
    tree_size as size,
    tree_sub as sub,
    tree_sum as sum,  # noqa: A004
    tree_update_infinity_moment as update_infinity_moment,
    tree_update_moment as update_moment,
    tree_update_moment_per_elem_norm as update_moment_per_elem_norm,
    tree_vdot as vdot,
    tree_where as where,
    tree_zeros_like as zeros_like,
)

__all__ = [
    "add", "add_scale", "allclose", "bias_correction", "cast", "cast_like", "clip", "div",
    "dtype", "full_like", "max", "min", "mul", "norm", "ones_like", "scale", "size", "sub",
    "sum", "update_infinity_moment", "update_moment", "update_moment_per_elem_norm", "vdot",
    "where", "zeros_like",
]
