"""``keep_first(values, n)``: parameters past the first ``n`` run only with ``--full``.

For parametrized tests whose every parameter compiles a new JAX reference program (seconds
each): the default run keeps the first ``n``, ``python -m pytest --full`` runs them all.
"""

import pytest


def keep_first(values, n: int) -> list:
    return [v if i < n else pytest.param(v, marks=pytest.mark.full)
            for i, v in enumerate(values)]
