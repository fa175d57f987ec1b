"""NumPy functions called on tracers (``np.exp(tracer)``): go to fungrad.numpy, or explain.

NumPy hands a ufunc call with a tracer operand to ``Tracer.__array_ufunc__`` (NEP 13) and
other NumPy functions to ``Tracer.__array_function__`` (NEP 18). Where fungrad.numpy has a
function of the same name (in the same submodule: ``np.linalg.norm`` ->
``fungrad.numpy.linalg.norm``), the call goes there, so ported code such as ``np.exp(x)``
is traced like ``fnp.exp(x)``. Everything else raises an error that names the NumPy
function and says what to call instead; NumPy never sees a tracer as an array.
"""

from __future__ import annotations

import sys

from fungrad.errors import TracerArrayConversionError

__all__ = ["array_function", "array_ufunc"]


def fnp_counterpart(module: str, name: str):
    """The fungrad.numpy function standing for NumPy's ``module.name``, or None."""
    if module != "numpy" and not module.startswith("numpy."):
        return None
    target = sys.modules["fungrad.numpy"]
    for part in module.split(".")[1:] + [name]:
        target = getattr(target, part, None)
    if isinstance(target, type) or not callable(target):
        return None
    return target


def array_ufunc(tracer, ufunc, method: str, *inputs, **kwargs):
    """``Tracer.__array_ufunc__``: plain ufunc calls go to fungrad.numpy's function."""
    target = fnp_counterpart("numpy", ufunc.__name__)
    if method == "__call__" and not kwargs and target is not None:
        return target(*inputs)
    call = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    if method != "__call__":
        fix = (f"`{call}` is not dispatched: write it with fungrad.numpy functions "
               "(fnp.sum, fnp.cumsum, fnp.outer, x.at[idx].add(v)...).")
    elif kwargs:
        fix = _keywords_fix(call, ufunc.__name__, target, kwargs)
    else:
        fix = _missing_fix(ufunc.__name__)
    return _raise(tracer, call, fix)


def array_function(tracer, func, types, args, kwargs):
    """``Tracer.__array_function__``: NumPy functions go to fungrad.numpy's namesake."""
    module = getattr(func, "__module__", None) or ""
    target = fnp_counterpart(module, func.__name__)
    if target is not None and target is not func:
        return target(*args, **kwargs)
    qualname = ".".join(module.split(".")[1:] + [func.__name__])
    return _raise(tracer, f"np.{qualname}", _missing_fix(qualname))


def _keywords_fix(call: str, name: str, target, kwargs) -> str:
    keys = ", ".join(f"{k}=" for k in kwargs)
    if "out" in kwargs:
        return (f"`{call}(..., {keys})` would write a traced value into a NumPy array (this "
                "is also what `x += tracer` does for a NumPy array x): write `x = x + "
                "tracer`, or call fungrad.numpy functions, which return new arrays.")
    if target is None:
        return _missing_fix(name)
    return (f"NumPy calls on tracers go to fungrad.numpy only without keywords ({keys}); "
            f"call fungrad.numpy.{name} directly.")


def _missing_fix(name: str) -> str:
    return (f"fungrad.numpy has no `{name}`, so the transform cannot follow it: write it "
            "with fungrad.numpy functions, or compute it outside the transformed function.")


def _raise(tracer, call: str, fix: str):
    raise TracerArrayConversionError(
        f"{call} was called on a traced value {tracer.aval.str_short()} (inside the "
        f"{tracer._trace.describe()}); NumPy functions see only concrete arrays. {fix}"
    )
