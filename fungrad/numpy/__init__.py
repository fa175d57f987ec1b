"""fungrad.numpy: NumPy's API, differentiable under every fungrad transform.

``import fungrad.numpy as fnp``. Functions accept NumPy arrays, Python scalars, nested lists
and tracers; they promote dtypes (NEP 50, Python scalars weak) and broadcast like NumPy,
then bind lax primitives. With no transform active they run NumPy directly.

Each family module lists its public names in ``__all__``.
"""

from fungrad.numpy import fft, indexing, linalg  # noqa: F401
from fungrad.numpy.array_api_names import *  # noqa: F401,F403
from fungrad.numpy.array_type import Array, ndarray  # noqa: F401
from fungrad.numpy.bits import *  # noqa: F401,F403
from fungrad.numpy.choosing import *  # noqa: F401,F403
from fungrad.numpy.comparisons import *  # noqa: F401,F403
from fungrad.numpy.complex_parts import *  # noqa: F401,F403
from fungrad.numpy.contractions import *  # noqa: F401,F403
from fungrad.numpy.convolutions import *  # noqa: F401,F403
from fungrad.numpy.creation import *  # noqa: F401,F403
from fungrad.numpy.differences import *  # noqa: F401,F403
from fungrad.numpy.dtypes import *  # noqa: F401,F403
from fungrad.numpy.files import *  # noqa: F401,F403
from fungrad.numpy.float_functions import *  # noqa: F401,F403
from fungrad.numpy.float_representation import *  # noqa: F401,F403
from fungrad.numpy.function_mapping import *  # noqa: F401,F403
from fungrad.numpy.functional_updates import *  # noqa: F401,F403
from fungrad.numpy.histograms import *  # noqa: F401,F403
from fungrad.numpy.host_data import *  # noqa: F401,F403
from fungrad.numpy.index_arrays import *  # noqa: F401,F403
from fungrad.numpy.index_tricks import *  # noqa: F401,F403
from fungrad.numpy.indexing import *  # noqa: F401,F403
from fungrad.numpy.insert_delete import *  # noqa: F401,F403
from fungrad.numpy.integer_math import *  # noqa: F401,F403
from fungrad.numpy.interpolation import *  # noqa: F401,F403
from fungrad.numpy.math import *  # noqa: F401,F403
from fungrad.numpy.padding import *  # noqa: F401,F403
from fungrad.numpy.polynomials import *  # noqa: F401,F403
from fungrad.numpy.printing import *  # noqa: F401,F403
from fungrad.numpy.reductions import *  # noqa: F401,F403
from fungrad.numpy.rounding import *  # noqa: F401,F403
from fungrad.numpy.searching import *  # noqa: F401,F403
from fungrad.numpy.setops import *  # noqa: F401,F403
from fungrad.numpy.shape import *  # noqa: F401,F403
from fungrad.numpy.sorting import *  # noqa: F401,F403
from fungrad.numpy.statistics import *  # noqa: F401,F403
from fungrad.numpy.tracer_methods import install_tracer_methods as _install
from fungrad.numpy.ufuncs import *  # noqa: F401,F403
from fungrad.numpy.vector_products import *  # noqa: F401,F403
from fungrad.numpy.windows import *  # noqa: F401,F403

_install()
