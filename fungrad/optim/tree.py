"""``optax.tree``'s short names for the `tree_utils` functions (``tree.add`` is
``tree_utils.tree_add``)."""

from fungrad.optim import tree_utils as _tu

__all__ = [
    "add", "add_scale", "allclose", "bias_correction", "cast", "cast_like", "clip", "div",
    "dtype", "full_like", "max", "min", "mul", "norm", "ones_like", "scale", "size", "sub",
    "sum", "update_infinity_moment", "update_moment", "update_moment_per_elem_norm", "vdot",
    "where", "zeros_like", "get", "set", "get_all_with_path", "map_params", "real", "conj",
    "batch_shape", "random_like", "split_key_like", "unwrap_random_key_data",
]

add, add_scale, allclose = _tu.tree_add, _tu.tree_add_scale, _tu.tree_allclose
bias_correction, cast, cast_like = _tu.tree_bias_correction, _tu.tree_cast, _tu.tree_cast_like
clip, div, dtype, full_like = _tu.tree_clip, _tu.tree_div, _tu.tree_dtype, _tu.tree_full_like
max, min = _tu.tree_max, _tu.tree_min  # noqa: A001 (optax's names)
mul, norm, ones_like, scale = _tu.tree_mul, _tu.tree_norm, _tu.tree_ones_like, _tu.tree_scale
size, sub, vdot, where = _tu.tree_size, _tu.tree_sub, _tu.tree_vdot, _tu.tree_where
sum = _tu.tree_sum  # noqa: A001 (optax's name)
zeros_like = _tu.tree_zeros_like
get, set, get_all_with_path = _tu.tree_get, _tu.tree_set, _tu.tree_get_all_with_path  # noqa: A001
map_params, real, conj = _tu.tree_map_params, _tu.tree_real, _tu.tree_conj
batch_shape, random_like = _tu.tree_batch_shape, _tu.tree_random_like
split_key_like, unwrap_random_key_data = _tu.tree_split_key_like, _tu.tree_unwrap_random_key_data
update_moment = _tu.tree_update_moment
update_moment_per_elem_norm = _tu.tree_update_moment_per_elem_norm
update_infinity_moment = _tu.tree_update_infinity_moment
