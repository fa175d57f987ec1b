"""The linear assignment problem (optax.assignment): match rows to columns of a cost matrix
at least total cost, ``min(n, m)`` pairs, each row and column used at most once.

Both functions solve it exactly with the Hungarian algorithm in its shortest augmenting
path form (one Dijkstra-like search per row over reduced costs ``C[i, j] - u[i] - v[j]``,
O(n^2 m)), in NumPy; under `fungrad.jit` or `vmap` the solver runs as a
`fungrad.pure_callback`. The result is an integer assignment, so it has no derivative.
The two differ only in the order of the pairs, as optax's do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fungrad.core import get_aval
from fungrad.transforms.callbacks import pure_callback

__all__ = ["hungarian_algorithm", "base_hungarian_algorithm"]


def _row_to_column(cost: np.ndarray) -> np.ndarray:
    """For a cost matrix with rows <= columns: the column matched to each row."""
    rows, cols = cost.shape
    u, v = np.zeros(rows + 1), np.zeros(cols + 1)   # potentials (index 0: a sentinel)
    owner = np.zeros(cols + 1, dtype=np.int64)      # row (1-based) holding each column
    for row in range(1, rows + 1):
        owner[0] = row
        col = 0
        reach = np.full(cols + 1, np.inf)           # least reduced cost to each column
        back = np.zeros(cols + 1, dtype=np.int64)   # the column before it on that path
        done = np.zeros(cols + 1, dtype=bool)
        while True:
            done[col] = True
            here = owner[col]
            reduced = cost[here - 1] - u[here] - v[1:]
            free = ~done[1:]
            better = free & (reduced < reach[1:])
            reach[1:][better] = reduced[better]
            back[1:][better] = col
            candidates = np.where(free, reach[1:], np.inf)
            nxt = int(np.argmin(candidates)) + 1
            delta = candidates[nxt - 1]
            u[owner[done]] += delta
            v[done] -= delta
            reach[1:][free] -= delta
            col = nxt
            if owner[col] == 0:
                break
        while col:                                  # flip the augmenting path
            prev = back[col]
            owner[col] = owner[prev]
            col = prev
    match = np.full(rows, -1, dtype=np.int64)
    for c in range(1, cols + 1):
        if owner[c]:
            match[owner[c] - 1] = c - 1
    return match


def _pairs(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, cols)`` of the optimal pairs, sorted by row."""
    cost = np.asarray(cost, dtype=np.float64)
    if cost.shape[0] <= cost.shape[1]:
        return np.arange(cost.shape[0]), _row_to_column(cost)
    cols_rows = _row_to_column(cost.T)               # the row matched to each column
    order = np.argsort(cols_rows)
    return cols_rows[order], order


def _check(fn: str, cost: Any) -> tuple[int, ...]:
    shape = get_aval(cost).shape
    if len(shape) != 2:
        raise ValueError(f"{fn}: cost_matrix must be 2-D (rows, columns), got shape {shape}.")
    return shape


def _solve(fn: str, cost: Any, order: Any) -> tuple[Any, Any]:
    shape = _check(fn, cost)
    k = min(shape)
    if k == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)

    def host(c):
        i, j = order(*_pairs(np.asarray(c)), np.asarray(c).shape)
        return np.asarray(i, np.int64), np.asarray(j, np.int64)

    if isinstance(cost, np.ndarray | list | tuple | int | float):
        return host(np.asarray(cost))
    spec = np.zeros(k, np.int64)
    return pure_callback(host, (spec, spec), cost, vmap_method="sequential")


def base_hungarian_algorithm(cost_matrix: Any) -> tuple[Any, Any]:
    """An optimal assignment ``(i, j)`` of the ``(n, m)`` `cost_matrix`, sorted by row.

    Returns:
      Two integer arrays of length ``min(n, m)``; the cost is ``cost_matrix[i, j].sum()``.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import assignment
        >>> cost = np.array([[8, 4, 7], [5, 2, 3], [9, 6, 7], [9, 4, 8]])
        >>> i, j = assignment.base_hungarian_algorithm(cost)
        >>> i.tolist(), j.tolist(), int(cost[i, j].sum())
        ([0, 1, 3], [0, 2, 1], 15)
    """
    return _solve("base_hungarian_algorithm", cost_matrix, lambda i, j, shape: (i, j))


def _scenic_order(i, j, shape):
    """optax's order for `hungarian_algorithm`: square, by column; wide, by descending
    row; tall, by descending column."""
    rows, cols = shape
    if rows == cols:
        by = np.argsort(j)
    elif rows < cols:
        by = np.argsort(-i)
    else:
        by = np.argsort(-j)
    return i[by], j[by]


def hungarian_algorithm(cost_matrix: Any) -> tuple[Any, Any]:
    """An optimal assignment ``(i, j)`` of the ``(n, m)`` `cost_matrix`.

    The same pairs as `base_hungarian_algorithm`, in optax's order for this function: a
    square matrix by column; a wide one (n < m) by descending row; a tall one by
    descending column.

    Returns:
      Two integer arrays of length ``min(n, m)``; the cost is ``cost_matrix[i, j].sum()``.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import assignment
        >>> cost = np.array([[90, 80, 75, 70], [35, 85, 55, 65], [125, 95, 90, 95],
        ...                  [45, 110, 95, 115], [50, 100, 90, 100]])
        >>> i, j = assignment.hungarian_algorithm(cost)
        >>> i.tolist(), j.tolist(), int(cost[i, j].sum())
        ([0, 1, 2, 3], [3, 2, 1, 0], 265)
    """
    return _solve("hungarian_algorithm", cost_matrix, _scenic_order)
