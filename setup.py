"""Package discovery (everything else is in pyproject.toml).

Packages are found, not listed: every package under `fungrad/`, and every package under
`kernels/` installed beneath `fungrad.kernels` (a top-level module named `kernels` belongs to
another PyPI project, so the source folder is mapped under fungrad's namespace).
"""

from setuptools import find_packages, setup

KERNELS = ["fungrad.kernels"] + ["fungrad.kernels." + p for p in find_packages("kernels")]

setup(
    packages=find_packages(include=["fungrad", "fungrad.*"], exclude=["fungrad.kernels*"])
    + KERNELS,
    package_dir={"fungrad.kernels": "kernels"},
)
