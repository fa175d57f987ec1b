"""fungrad.numpy: NumPy's API, differentiable under every fungrad transform.

``import fungrad.numpy as fnp``. Functions accept NumPy arrays, Python scalars, nested lists
and tracers; they promote dtypes (NEP 50, Python scalars weak) and broadcast like NumPy,
then bind lax primitives. With no transform active they run NumPy directly.
"""

from fungrad.numpy.array_type import Array  # noqa: F401
from fungrad.numpy.creation import *  # noqa: F401,F403
from fungrad.numpy.math import *  # noqa: F401,F403
from fungrad.numpy.math import abs, round  # noqa: F401

from fungrad.numpy.tracer_methods import install_tracer_methods as _install

_install()
