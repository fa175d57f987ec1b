"""``fg.print_environment_info``: the versions and devices to paste into a bug report.

As JAX's ``jax.print_environment_info``, with fungrad's own dependencies: NumPy, Numba
(the CPU kernels) and CuPy (the GPU backend) where installed, in place of jaxlib.
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys

from fungrad.devices import devices
from fungrad.distributed.world import process_count
from fungrad.version import __version__

__all__ = ["print_environment_info"]


def _installed(*names: str) -> str:
    """The version of the first installed distribution of ``names`` (CuPy has several)."""
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "not installed"


def print_environment_info(return_string: bool = False) -> str | None:
    """Print (or, with ``return_string``, return) fungrad's version, its dependencies'
    versions, Python's, the devices fungrad sees, the process count and the platform.

    >>> import fungrad as fg
    >>> text = fg.print_environment_info(return_string=True)
    >>> text.splitlines()[0].split()[0], "numba:" in text, "devices:" in text
    ('fungrad:', True, True)
    """
    found = devices()
    kinds = sorted({d.platform for d in found})
    lines = [
        f"fungrad: {__version__}",
        f"numpy:   {_installed('numpy')}",
        f"numba:   {_installed('numba')}",
        f"cupy:    {_installed('cupy', 'cupy-cuda12x', 'cupy-cuda13x')}",
        f"python:  {sys.version}",
        f"devices: {'-'.join(kinds)}-{len(found)}, {len(found)} local devices",
        f"process_count: {process_count()}",
        f"platform: {platform.uname()}",
    ]
    text = "\n".join(lines) + "\n"
    if return_string:
        return text
    print(text, end="")
    return None
