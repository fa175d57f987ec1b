"""The 8x8 handwritten digits data set (bundled with scikit-learn), split and standardised.

Shared by the digits examples; not an example itself. Needs scikit-learn
(``pip install -e ".[examples]"``).
"""

from __future__ import annotations

import numpy as np

NUM_FEATURES, NUM_CLASSES = 64, 10


def stratified_split(y: np.ndarray, test_fraction: float, seed: int):
    """Indices of a train/test split that keeps each class's share in both parts.

    Args:
      y: integer class labels, shape ``(n,)``.
      test_fraction: the share of each class that goes to the test part.
      seed: seeds the NumPy Generator that shuffles each class.

    Returns:
      ``(train_idx, test_idx)``: integer index arrays.
    """
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_test = int(round(len(idx) * test_fraction))
        test_idx.extend(idx[:n_test])
        train_idx.extend(idx[n_test:])
    return np.array(train_idx), np.array(test_idx)


def load_digits_split(seed: int, test_fraction: float = 0.25, dtype=np.float32):
    """Standardised digits features, split into a stratified train and held-out test set.

    Features are scaled with the training part's mean and standard deviation only, so no
    information leaks from the held-out part.

    Args:
      seed: seeds the split.
      test_fraction: the share of each class held out (0.25: 450 of 1797 images).
      dtype: the features' floating dtype.

    Returns:
      ``((x_train, y_train), (x_test, y_test))``: features of shape ``(n, 64)`` and
      integer labels in ``[0, 10)``.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError(
            "load_digits_split: the digits examples read scikit-learn's bundled data set; "
            'install it with `pip install -e ".[examples]"` (or `pip install scikit-learn`).'
        ) from e
    data = load_digits()
    x = data.data.astype(np.float64) / 16.0
    y = data.target.astype(np.int64)
    train_idx, test_idx = stratified_split(y, test_fraction, seed)
    mean, std = x[train_idx].mean(0), x[train_idx].std(0) + 1e-3
    x = ((x - mean) / std).astype(dtype)
    return (x[train_idx], y[train_idx]), (x[test_idx], y[test_idx])


def minibatches(rng: np.random.Generator, n: int, batch_size: int):
    """Yield index arrays that cover ``range(n)`` once, in a random order.

    Args:
      rng: the NumPy Generator that shuffles.
      n: the number of examples.
      batch_size: the size of every batch but possibly the last.

    Yields:
      Integer index arrays.
    """
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]
