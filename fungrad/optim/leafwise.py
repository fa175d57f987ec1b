"""Leafwise arithmetic for update rules: pytree maps with named errors, and in-place steps.

Update rules run every training step over every parameter, so their temporaries matter.
Each rule here starts from one *fresh* array (the result of an fnp operation it just made)
and finishes the formula in that buffer with the trailing-underscore operations below
(``mul_``, ``add_``...). When the buffer is a concrete NumPy array and the other operand
cannot change its dtype or shape, they write into it with ``out=``; otherwise (tracers under
grad/vmap, dtype promotion) they fall back to the pure fnp operation. Both paths compute the
same formula, so a rule is written once and runs under every transform.

Never pass a caller's array as the first argument of an in-place operation: only arrays
that the rule itself created.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import fungrad.numpy as fnp
from fungrad import dtypes
from fungrad.core import Tracer, concrete_or_none, get_aval, shape_of
from fungrad.tree_util import keystr, tree_flatten, tree_leaves_with_path, tree_map

__all__ = [
    "map_leaves",
    "zeros_tree",
    "structure_error",
    "weak_scalar",
    "scalar_like",
    "astype_like",
    "add_",
    "sub_",
    "mul_",
    "div_",
    "rsub_",
    "rdiv_",
    "sqrt_",
    "concrete_bool",
    "tree_select",
    "increment",
    "step_number",
    "all_finite",
    "require_params",
]

PyTree = Any

# --- Pytree maps whose errors name the transform -----------------------------------------


def map_leaves(
    transform: str,
    f: Callable[..., Any],
    *named_trees: tuple[str, PyTree],
    n_outputs: int = 1,
) -> Any:
    """Apply `f` leafwise over pytrees that must share structure and leaf shapes.

    Args:
      transform: the public name used in error messages (``"scale_by_adam"``).
      f: called as ``f(leaf0, leaf1, ...)`` at each leaf position.
      *named_trees: ``(name, tree)`` pairs, e.g. ``("updates", g), ("state.mu", mu)``;
        the first tree's structure is the reference.
      n_outputs: with more than 1, `f` returns that many values per leaf (say the update
        and the new moments), and each gets its own pytree: one pass over the trees
        instead of one per output.

    Returns:
      A pytree of the first tree's structure holding f's results, or a tuple of
      `n_outputs` such pytrees.
    """
    (name0, tree0), *rest = named_trees
    leaves0, treedef = tree_flatten(tree0)
    columns = [leaves0]
    for name, tree in rest:
        leaves, other = tree_flatten(tree)
        if other != treedef:
            raise structure_error(transform, name0, tree0, name, tree)
        columns.append(leaves)
    out = []
    for i, args in enumerate(zip(*columns, strict=True)):
        shape = shape_of(args[0])
        if any(shape_of(a) != shape for a in args[1:]):
            raise _shape_error(transform, named_trees, i, args)
        out.append(f(*args))
    if n_outputs == 1:
        return treedef.unflatten(out)
    columns = list(zip(*out, strict=True)) or [()] * n_outputs
    return tuple(treedef.unflatten(column) for column in columns)


def zeros_tree(transform: str, params: PyTree, dtype: Any = None) -> PyTree:
    """Zeros shaped like each leaf of `params`, in `dtype` (None: each leaf's own dtype)."""
    if dtype is None:
        return map_leaves(transform, fnp.zeros_like, ("params", params))
    dtype = np.dtype(dtype)
    return map_leaves(transform, lambda p: fnp.zeros_like(p, dtype=dtype), ("params", params))


def structure_error(transform: str, name_a: str, a: PyTree, name_b: str, b: PyTree) -> ValueError:
    """A ValueError naming the transform and the first key path where `a` and `b` differ."""
    paths_a = [keystr(p) for p, _ in tree_leaves_with_path(a)]
    paths_b = [keystr(p) for p, _ in tree_leaves_with_path(b)]
    set_a, set_b = set(paths_a), set(paths_b)
    missing = [p for p in paths_a if p not in set_b]
    extra = [p for p in paths_b if p not in set_a]
    if missing:
        where = f"key path {missing[0] or '<root>'} is in {name_a} but not in {name_b}"
    elif extra:
        where = f"key path {extra[0] or '<root>'} is in {name_b} but not in {name_a}"
    else:
        where = "the leaves have the same key paths but the containers differ"
    _, td_a = tree_flatten(a)
    _, td_b = tree_flatten(b)
    return ValueError(
        f"{transform}: {name_a} and {name_b} have different pytree structures: {where}.\n"
        f"  {name_a}: {td_a!r}\n  {name_b}: {td_b!r}\n"
        "Both must follow the parameters' structure: make the state with init(params) and "
        "pass gradients (or updates) of those same params."
    )


def _shape_error(transform: str, named_trees, index: int, leaves) -> ValueError:
    path = keystr(tree_leaves_with_path(named_trees[0][1])[index][0]) or "<root>"
    shapes = ", ".join(
        f"{name} has shape {shape_of(x)}" for (name, _), x in zip(named_trees, leaves, strict=True)
    )
    return ValueError(
        f"{transform}: the leaves at key path {path} have different shapes: {shapes}. "
        "Each state or params leaf must have the shape of its update; was the state made by "
        "init() from parameters of other shapes?"
    )


# --- Scalars and dtypes --------------------------------------------------------------------


def weak_scalar(x: Any, where: str = "a hyperparameter") -> Any:
    """A hyperparameter as a Python number when it is a concrete scalar.

    Python numbers are weakly typed: ``float32_array * 0.9`` stays float32, whereas
    ``float32_array * np.float64(0.9)`` would promote every update to float64.
    Tracers (a hyperparameter being differentiated) are returned unchanged. Anything but a
    real number (a string, None, a list, a non-scalar array) raises, naming ``where``.
    """
    if isinstance(x, (np.ndarray, np.generic)) and x.ndim == 0 and x.dtype.kind in "biuf":
        return x.item()
    if type(x) in (int, float) or (isinstance(x, Tracer) and x.aval.shape == ()):
        return x
    shape = getattr(x, "shape", None)
    kind = getattr(getattr(x, "dtype", None), "kind", "")
    schedule = (" (A learning rate may also be a schedule: a function of the step count.)"
                if "learning_rate" in where else "")
    if shape is not None and shape != () and kind in "biuf":
        raise TypeError(
            f"{where} must be a scalar, got an array of shape {tuple(shape)}. Pass one "
            f"number.{schedule}")
    if isinstance(x, bool) or not (isinstance(x, (int, float, np.integer, np.floating))
                                   or (shape == () and kind in "iuf")):
        raise TypeError(
            f"{where} must be a real number, got {x!r:.40} of type {type(x).__name__}"
            f"{unquote_hint(x)}.{schedule}")
    return x


def unquote_hint(x: Any) -> str:
    """``; write 0.1 without quotes`` for a string that holds a number."""
    if not isinstance(x, str):
        return ""
    try:
        float(x)
    except ValueError:
        return ""
    return f"; write {x.strip()} without quotes"


def scalar_like(s: Any, like: Any) -> Any:
    """The scalar `s` in `like`'s dtype; Python numbers stay (weak) Python numbers."""
    if type(s) in (int, float):
        return s
    dtype = get_aval(like).dtype
    if isinstance(s, np.generic | np.ndarray) and s.ndim == 0:
        return s if s.dtype == dtype else dtype.type(s)
    return fnp.asarray(s, dtype=dtype)


def astype_like(x: Any, ref: Any) -> Any:
    """`x` cast to `ref`'s dtype (`x` itself when it already has it)."""
    dtype = getattr(ref, "dtype", None)
    if dtype is not None and getattr(x, "dtype", None) == dtype:
        return x
    dtype = get_aval(ref).dtype
    return x if get_aval(x).dtype == dtype else fnp.asarray(x, dtype=dtype)


# --- In-place steps on fresh buffers --------------------------------------------------------


def _fits(y: Any, out: np.ndarray) -> bool:
    """Whether ``out op= y`` equals ``out op y``: same dtype, and no broadcasting of `out`."""
    kind = type(y)
    if kind is int:
        return True
    if kind is float:
        return dtypes.is_inexact(out.dtype)
    if isinstance(y, np.ndarray | np.generic):
        return y.dtype == out.dtype and y.shape in (out.shape, ())
    return False


def add_(out: Any, y: Any) -> Any:
    """``out + y``, written into `out` when it is a fresh NumPy buffer."""
    if isinstance(out, np.ndarray) and _fits(y, out):
        return np.add(out, y, out=out)
    return fnp.add(out, y)


def sub_(out: Any, y: Any) -> Any:
    """``out - y``, written into `out` when it is a fresh NumPy buffer."""
    if isinstance(out, np.ndarray) and _fits(y, out):
        return np.subtract(out, y, out=out)
    return fnp.subtract(out, y)


def mul_(out: Any, y: Any) -> Any:
    """``out * y``, written into `out` when it is a fresh NumPy buffer."""
    if isinstance(out, np.ndarray) and _fits(y, out):
        return np.multiply(out, y, out=out)
    return fnp.multiply(out, y)


def div_(out: Any, y: Any) -> Any:
    """``out / y``, written into `out` when it is a fresh NumPy float buffer."""
    if isinstance(out, np.ndarray) and dtypes.is_inexact(out.dtype) and _fits(y, out):
        return np.divide(out, y, out=out)
    return fnp.divide(out, y)


def rsub_(out: Any, y: Any) -> Any:
    """``y - out``, written into `out` when it is a fresh NumPy buffer."""
    if isinstance(out, np.ndarray) and _fits(y, out):
        return np.subtract(y, out, out=out)
    return fnp.subtract(y, out)


def rdiv_(out: Any, y: Any) -> Any:
    """``y / out``, written into `out` when it is a fresh NumPy float buffer."""
    if isinstance(out, np.ndarray) and dtypes.is_inexact(out.dtype) and _fits(y, out):
        return np.divide(y, out, out=out)
    return fnp.divide(y, out)


def sqrt_(out: Any) -> Any:
    """``sqrt(out)``, written into `out` when it is a fresh NumPy float buffer."""
    if isinstance(out, np.ndarray) and dtypes.is_inexact(out.dtype):
        return np.sqrt(out, out=out)
    return fnp.sqrt(out)


# --- Control values: counts, branch predicates ------------------------------------------


def concrete_bool(x: Any) -> bool | None:
    """`x` as a Python bool when its value is known (eagerly, under grad), else None."""
    value = concrete_or_none(x)
    return None if value is None else bool(value)


def tree_select(pred: Any, on_true: PyTree, on_false: PyTree) -> PyTree:
    """`on_true` where the scalar `pred` holds, else `on_false` (pytrees of one structure).

    A known `pred` picks a whole pytree without computing anything; a traced one (under
    vmap) selects leafwise with ``fnp.where``.
    """
    known = concrete_bool(pred)
    if known is not None:
        return on_true if known else on_false
    return tree_map(lambda a, b: astype_like(fnp.where(pred, a, b), b), on_true, on_false)


def increment(count: Any) -> Any:
    """``count + 1`` for a step counter, saturating at its dtype's maximum instead of wrapping."""
    dtype = get_aval(count).dtype
    top = np.iinfo(dtype).max
    if isinstance(count, np.ndarray | np.generic):
        # A concrete counter is a Python-int computation; fnp would cost two dispatches.
        return np.asarray(min(int(count), top - 1) + 1, dtype=dtype)
    return fnp.add(fnp.minimum(count, top - 1), 1)


def step_number(count: Any) -> Any:
    """A step counter as a Python int when it is concrete (cheap scalar math), else itself."""
    return int(count) if isinstance(count, np.ndarray | np.generic) else count


def all_finite(tree: PyTree) -> Any:
    """A boolean scalar: whether every element of every leaf of `tree` is finite."""
    result = True
    for leaf in tree_flatten(tree)[0]:
        result = fnp.logical_and(result, fnp.all(fnp.isfinite(leaf)))
    return result


def require_params(transform: str, params: Any) -> None:
    """Raise the ValueError that names `transform` when ``update`` was called without params."""
    if params is None:
        raise ValueError(f"{transform}: update() needs the current parameters: call "
                         "update(updates, state, params).")
