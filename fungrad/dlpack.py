"""fungrad.dlpack: arrays shared with other libraries through DLPack (``jax.dlpack``).

A host tensor (NumPy, PyTorch on the CPU, JAX's CPU arrays...) becomes a fungrad array by
NumPy's ``from_dlpack``; a CUDA tensor (``__dlpack_device__`` reports CUDA) becomes a CuPy
array by CuPy's, which fungrad computes on as it does on any CuPy array. Either way the
memory is shared where the producer allows it (``copy=None``).
"""

from __future__ import annotations

import importlib

import numpy as np

from fungrad.numpy.host_data import from_dlpack as _host_from_dlpack

__all__ = ["from_dlpack", "is_supported_dtype"]

_CUDA_DEVICE_TYPES = (2, 13)  # DLPack's kDLCUDA and kDLCUDAManaged
_SUPPORTED_KINDS = "biufc"


def _on_cuda(x) -> bool:
    probe = getattr(x, "__dlpack_device__", None)
    return probe is not None and probe()[0] in _CUDA_DEVICE_TYPES


def from_dlpack(external_array, device=None, copy: bool | None = None):
    """An array sharing ``external_array``'s memory through the DLPack protocol.

    Args:
      external_array: an object with ``__dlpack__`` and ``__dlpack_device__``.
      device: None (where the tensor is), or a CPU device for a host tensor.
      copy: True always copies, False never does (an error if it must), None copies only
        if it must.

    >>> import numpy as np
    >>> from fungrad.dlpack import from_dlpack
    >>> from_dlpack(np.arange(3.0)).tolist()
    [0.0, 1.0, 2.0]
    """
    if _on_cuda(external_array):
        if device is not None and getattr(device, "platform", device) not in ("gpu", "cuda"):
            raise ValueError(f"fungrad.dlpack.from_dlpack: the tensor is on a CUDA device but "
                             f"device={device!r}; pass device=None, then fg.device_put it.")
        cupy = importlib.import_module("cupy")
        return cupy.from_dlpack(external_array, copy=copy) if copy is not None else \
            cupy.from_dlpack(external_array)
    return _host_from_dlpack(external_array, device=device, copy=copy)


def is_supported_dtype(dtype) -> bool:
    """Whether DLPack can carry arrays of ``dtype`` (booleans, integers, floats, complex
    numbers and bfloat16; not float8 or 4-bit integers), as ``jax.dlpack``'s.

    >>> import numpy as np
    >>> is_supported_dtype(np.float32), is_supported_dtype(np.dtype("V2"))
    (True, False)
    """
    dtype = np.dtype(dtype)
    if dtype.name == "bfloat16":
        return True
    return dtype.kind in _SUPPORTED_KINDS  # ml_dtypes' float8/int4 have kind "V"
