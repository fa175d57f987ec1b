"""fungrad's version, under JAX's module name ``jax.version`` (``__version__``, ``_version``,
``__version_info__``); ``fg.__version__`` is the same string.

>>> import fungrad.version
>>> fungrad.version.__version_info__ == tuple(int(p) for p in fungrad.version._version.split("."))
True
"""

_version = "0.1.0"
__version__ = _version
__version_info__ = tuple(int(part) for part in _version.split("."))
