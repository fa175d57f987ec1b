"""fungrad.custom_batching: user-defined vmap rules (JAX's ``jax.custom_batching``).

>>> import fungrad as fg
>>> fg.custom_batching.custom_vmap.__name__
'custom_vmap'
"""

from fungrad.transforms.custom_vmap import custom_vmap, sequential_vmap

__all__ = ["custom_vmap", "sequential_vmap"]
