"""The CuPy backend: the CUDA lowering table, kernel specs, the host driver, the C++ emulator."""
