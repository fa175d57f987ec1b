"""Complex-number primitives: real and imaginary parts, conjugation, and building a complex.

All four are linear over the reals, so each has a transpose rule. Transposes follow JAX's
convention: a VJP is the transpose of the JVP with respect to the *bilinear* pairing
``<a, b> = Re(sum(a * b))`` (no conjugation anywhere), which is the pairing that makes the
transpose of ``mul(x, c)`` simply ``mul(ct, c)``. Under it:

- ``real(t)`` transposes to ``complex(ct, 0)``, since ``ct * Re(t) = Re(ct * t)``;
- ``imag(t)`` transposes to ``complex(0, -ct)``, since ``ct * Im(t) = Re(-i ct * t)``;
- ``conj(t)`` transposes to ``conj(ct)``;
- ``complex(x, y)`` transposes to ``(real(ct), -imag(ct))``.

``grad`` of a real-valued ``f`` of ``z = x + iy`` therefore returns ``df/dx - i df/dy``
(twice the Wirtinger derivative ``df/dz``; its conjugate is the steepest-ascent direction),
exactly as JAX does: ``grad(abs)(z) == conj(z) / abs(z)``.
"""

from __future__ import annotations

import numpy as np

from fungrad import core
from fungrad.array_module import get_array_module
from fungrad.core import Primitive, ShapedArray
from fungrad.dtypes import complex_dtype, real_dtype
from fungrad.interpreters.batching import defbroadcasting, defvectorized
from fungrad.interpreters.jvp import Zero, jvp_rules, zeros_like_aval
from fungrad.interpreters.linearize import deflinear, is_linear, transpose_rules
from fungrad.lax.elementwise import div, mul, neg, unbroadcast
from fungrad.lax.shape_ops import broadcast_in_dim

__all__ = [
    "real_p",
    "imag_p",
    "conj_p",
    "complex_p",
    "real",
    "imag",
    "conj",
    "complex",
]


def _check_complex(name: str, dtype) -> None:
    if np.dtype(dtype).kind != "c":
        raise TypeError(f"lax.{name}: expected a complex operand, got {np.dtype(dtype)}; "
                        f"fungrad.numpy.{name} accepts real arrays too")


def _complex_part_primitive(name: str, np_fn) -> Primitive:
    # Eager calls skip abstract_eval, so the impl checks the operand's dtype too.
    def impl(x):
        _check_complex(name, core.get_aval(x).dtype)
        xp = get_array_module(x)
        return (np_fn if xp is np else getattr(xp, np_fn.__name__))(x)

    def abstract_eval(x: ShapedArray) -> ShapedArray:
        _check_complex(name, x.dtype)
        return x.update(dtype=x.dtype if name == "conj" else real_dtype(x.dtype))

    prim = Primitive(name)
    prim.def_impl(impl)
    prim.def_abstract_eval(abstract_eval)
    prim.elementwise = True
    defvectorized(prim)
    return prim


real_p = _complex_part_primitive("real", np.real)
imag_p = _complex_part_primitive("imag", np.imag)
conj_p = _complex_part_primitive("conj", np.conj)


def real(x):
    """Real part of a complex array (a real array of the parts' dtype).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.real(np.array([1 + 2j, 3 - 1j]))
        array([1., 3.])
    """
    return real_p.bind(x)


def imag(x):
    """Imaginary part of a complex array (a real array of the parts' dtype).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.imag(np.array([1 + 2j, 3 - 1j]))
        array([ 2., -1.])
    """
    return imag_p.bind(x)


def conj(x):
    """Complex conjugate of a complex array.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.conj(np.array([1 + 2j, 3 - 1j]))
        array([1.-2.j, 3.+1.j])
    """
    return conj_p.bind(x)


def _real_transpose(ct, x):
    return [complex(ct, zeros_like_aval(core.get_aval(ct)))]


def _imag_transpose(ct, x):
    return [complex(zeros_like_aval(core.get_aval(ct)), neg(ct))]


deflinear(real_p, _real_transpose)
deflinear(imag_p, _imag_transpose)
deflinear(conj_p, lambda ct, x: [conj(ct)])

# ---------------------------------------------------------------------------------------
# complex: x + i y from two real arrays of one float dtype (rank-0 operands broadcast)

complex_p = Primitive("complex")
complex_p.elementwise = True
defbroadcasting(complex_p)


def _check_parts(x_dtype, y_dtype) -> None:
    if np.dtype(x_dtype) == np.float16 or np.dtype(y_dtype) == np.float16:  # as JAX: no c32
        raise TypeError(f"lax.complex: float16 parts ({x_dtype}, {y_dtype}) have no complex "
                        "dtype; cast them to float32 first")
    if np.dtype(x_dtype).kind != "f" or np.dtype(y_dtype).kind != "f":
        raise TypeError(f"lax.complex: expected real floating operands, got {x_dtype} and "
                        f"{y_dtype}; convert integers with fnp.asarray(x, float) first")


def _complex_impl(x, y):
    # Assigning the parts (not x + 1j * y) keeps infinities exact: 1j * inf is nan + inf j.
    xp = get_array_module(x, y)
    x, y = xp.asarray(x), xp.asarray(y)
    _check_parts(x.dtype, y.dtype)
    out = xp.empty(np.broadcast_shapes(x.shape, y.shape),
                   complex_dtype(np.result_type(x.dtype, y.dtype)))
    out.real[...], out.imag[...] = x, y  # writes through the views (CuPy's too)
    return out if out.ndim else out[()]


def _complex_abstract_eval(x: ShapedArray, y: ShapedArray) -> ShapedArray:
    shape = core.check_same_shapes("complex", x, y)
    _check_parts(x.dtype, y.dtype)
    dtype = core.check_same_dtypes("complex", x, y)
    return ShapedArray(shape, complex_dtype(dtype), x.weak_type and y.weak_type)


def complex(x, y):  # noqa: A001 (lax's name)
    """``x + 1j * y`` for real arrays ``x`` and ``y`` of one float dtype.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.complex(np.array([1.0, 2.0]), np.array([3.0, -1.0]))
        array([1.+3.j, 2.-1.j])
    """
    return complex_p.bind(x, y)


def _complex_jvp(primals, tangents):
    ans = complex(*primals)
    if all(isinstance(t, Zero) for t in tangents):
        return ans, Zero.like_primal(ans)
    # A missing part's tangent is a real zero of that part's own shape.
    tx, ty = (zeros_like_aval(t.aval) if isinstance(t, Zero) else t for t in tangents)
    return ans, _broadcast_like(complex(tx, ty), ans)


def _broadcast_like(t, ans):
    shape = core.shape_of(ans)
    return t if core.shape_of(t) == shape else broadcast_in_dim(t, shape, ())


def _complex_transpose(ct, x, y):
    return [unbroadcast(real(ct), x.aval) if is_linear(x) else None,
            unbroadcast(neg(imag(ct)), y.aval) if is_linear(y) else None]


complex_p.def_impl(_complex_impl)
complex_p.def_abstract_eval(_complex_abstract_eval)
jvp_rules[complex_p] = _complex_jvp
transpose_rules[complex_p] = _complex_transpose
complex_p.linear = True

# ---------------------------------------------------------------------------------------
# abs of a complex operand: |z| with JVP Re(conj(z) t) / |z|, taken as 0 at z == 0 (as JAX)


def abs_complex_jvp(t, ans, x):
    """Tangent of ``abs`` at complex ``x`` along ``t``: a real tangent like ``ans``."""
    aval = core.get_aval(ans)
    ones = broadcast_in_dim(np.ones((), aval.dtype), aval.shape, ())
    safe = _cmp.select_n(_cmp.eq(ans, aval.dtype.type(0)), ans, ones)
    return div(real(mul(t, conj(x))), safe)


# select_n and eq live in fungrad.lax.comparison, which is still initialising when
# elementwise imports this module; reach them through the module at call time.
import fungrad.lax.comparison as _cmp  # noqa: E402

