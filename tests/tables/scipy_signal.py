"""Table rows: fungrad.scipy.signal and fungrad.scipy.integrate against JAX's.

Every mode of each function, with kernels of odd and even length (SciPy's centring of
'same' differs between them), and 'valid' with the second input the larger one.
"""

from fungrad.scipy import integrate as fsi
from fungrad.scipy import signal as fsg
from tests.tables.spec import A, Case


def _ref(module, make):
    """A ``jax=`` reference built from ``jax.scipy.<module>``: ``make(mod)``."""

    def ref(jnp, lax):
        import importlib

        return make(importlib.import_module(f"jax.scipy.{module}"))

    return ref


def _conv_rows(fn, shapes):
    rows = []
    for (s1, s2) in shapes:
        for mode in ("full", "same", "valid"):
            if mode == "valid" and fn.endswith("2d") and not all(a >= b for a, b in zip(s1, s2)):
                continue  # JAX's 2-D valid mode needs in1 >= in2
            name = f"scipy.signal.{fn}_{mode}_{'x'.join(map(str, s1))}_{'x'.join(map(str, s2))}"
            rows.append(Case(name, lambda a, b, f=getattr(fsg, fn), m=mode: f(a, b, mode=m),
                             [A(*s1), A(*s2)],
                             jax=_ref("signal", lambda mod, fn=fn, m=mode: (
                                 lambda a, b: getattr(mod, fn)(a, b, mode=m)))))
    return rows


CASES = [
    *_conv_rows("convolve", [((7,), (3,)), ((6,), (4,)), ((3,), (5,)), ((4, 5), (2, 3))]),
    *_conv_rows("correlate", [((7,), (3,)), ((6,), (4,)), ((4, 5), (3, 2))]),
    *_conv_rows("convolve2d", [((5, 6), (2, 3)), ((4, 4), (3, 3))]),
    *_conv_rows("correlate2d", [((5, 6), (2, 3)), ((4, 4), (3, 4))]),
    Case("scipy.integrate.trapezoid", lambda y: fsi.trapezoid(y, dx=0.5), [A(3, 5)],
         jax=_ref("integrate", lambda mod: lambda y: mod.trapezoid(y, dx=0.5))),
    Case("scipy.integrate.trapezoid_x_axis0", lambda y, x: fsi.trapezoid(y, x, axis=0),
         [A(5, 3), A(5)],
         jax=_ref("integrate", lambda mod: lambda y, x: mod.trapezoid(y, x, axis=0))),
]
