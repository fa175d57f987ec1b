"""Kernel lowering (Numba on CPU, CuPy on GPU); installed as fungrad.kernels."""
