"""Indexing primitives, gathered in one public module: dynamic slicing, gather, scatters.

The family lives in three modules, each with its primitives' rules next to them:

* ``fungrad.lax.index_spec``: the static ``index_spec`` that describes a NumPy index
  expression (``build_index``, ``describe_index``, ``indexed_shape``);
* ``fungrad.lax.gather_scatter``: ``gather`` (``operand[index]``) and the scatters
  (``scatter``, ``scatter_add``, ``scatter_mul``, ``scatter_min``, ``scatter_max``);
* ``fungrad.lax.dynamic_slicing``: ``dynamic_slice`` and ``dynamic_update_slice`` with
  traced, clamped starts.

Import from here (or from ``fungrad.lax``); the split is an implementation detail.
"""

from fungrad.lax import dynamic_slicing, gather_scatter
from fungrad.lax.dynamic_slicing import *  # noqa: F401,F403
from fungrad.lax.gather_scatter import *  # noqa: F401,F403

# The index_spec helpers stay importable from here, where fungrad.numpy looks for them.
from fungrad.lax.index_spec import build_index, describe_index, indexed_shape  # noqa: F401

__all__ = [*dynamic_slicing.__all__, *gather_scatter.__all__]  # noqa: PLE0604
