"""Table rows: the lax.fft primitive and fungrad.numpy.fft, real and complex inputs.

Every row is checked against JAX (values, JVPs and VJPs under JAX's pairing for complex
numbers), by finite differences to second order, under vmap and under jit. Lengths are
both odd and even: RFFT/IRFFT weight the Nyquist frequency of an even length differently.
"""

import fungrad.numpy as fnp
from fungrad import lax as flax
from tests.tables.spec import A, C, Case

# FFT and IFFT are complex-linear, so holomorphic: the Jacobian table also checks
# jacfwd(holomorphic=True) == jacrev(holomorphic=True) on their complex rows.
HOLO = ("holomorphic",)


def _lax_case(suffix, fft_type, lengths, arg):
    tags = HOLO if fft_type in ("fft", "ifft") else ()
    return Case(f"lax.fft_{suffix}", lambda x: flax.fft(x, fft_type, lengths), [arg],
                jax=lambda jnp, lax: lambda x: lax.fft(x, fft_type, lengths), tags=tags)


def _fnp_case(suffix, args, tags=(), **kw):
    """A row ``fnp.fft.<name>(x, **kw)`` where suffix starts with the function's name."""
    name = suffix.split("_")[0]
    return Case(f"fnp.fft.{suffix}", lambda *xs: getattr(fnp.fft, name)(*xs, **kw), args,
                jax=lambda jnp, lax: lambda *xs: getattr(jnp.fft, name)(*xs, **kw), tags=tags)


CASES = [
    # the primitive
    _lax_case("fft", "fft", (4,), C(3, 4)),
    _lax_case("ifft_2d", "ifft", (3, 4), C(2, 3, 4)),
    _lax_case("fft_3d", "fft", (2, 3, 2), C(2, 3, 2)),
    _lax_case("rfft_even", "rfft", (6,), A(3, 6)),
    _lax_case("rfft_odd_2d", "rfft", (3, 5), A(2, 3, 5)),
    _lax_case("irfft_even", "irfft", (6,), C(3, 4)),
    _lax_case("irfft_odd", "irfft", (5,), C(2, 3)),
    _lax_case("irfft_3d", "irfft", (2, 3, 4), C(2, 3, 3)),
    # one axis; n pads or truncates
    _fnp_case("fft", [C(3, 5)], tags=HOLO),
    _fnp_case("fft_real_input", [A(4)]),
    _fnp_case("fft_pad_axis0", [C(3, 4)], tags=HOLO, n=5, axis=0),
    _fnp_case("fft_truncate_ortho", [C(6)], tags=HOLO, n=4, norm="ortho"),
    _fnp_case("ifft", [C(2, 4)], tags=HOLO),
    _fnp_case("ifft_forward", [C(5)], tags=HOLO, norm="forward"),
    _fnp_case("rfft_even", [A(2, 6)]),
    _fnp_case("rfft_odd_ortho", [A(7)], norm="ortho"),
    _fnp_case("rfft_pad_axis0", [A(3, 2)], n=5, axis=0),
    _fnp_case("irfft", [C(2, 4)]),
    _fnp_case("irfft_odd_n", [C(4)], n=7),
    _fnp_case("irfft_truncate_forward", [C(6)], n=4, norm="forward"),
    _fnp_case("irfft_ortho_axis0", [C(3, 2)], axis=0, norm="ortho"),
    _fnp_case("hfft", [C(4)]),
    _fnp_case("hfft_odd_ortho", [C(2, 3)], n=5, norm="ortho"),
    _fnp_case("ihfft", [A(6)]),
    _fnp_case("ihfft_odd_forward", [A(2, 5)], norm="forward"),
    # several axes
    _fnp_case("fft2", [C(2, 3, 4)], tags=HOLO),
    _fnp_case("fft2_s_axes", [C(3, 4)], tags=HOLO, s=(4, 3), axes=(1, 0)),
    _fnp_case("ifft2_ortho", [C(3, 4)], tags=HOLO, norm="ortho"),
    _fnp_case("fftn", [C(2, 3, 2)], tags=HOLO),
    _fnp_case("fftn_four_axes", [C(2, 2, 3, 2)], tags=HOLO),
    _fnp_case("ifftn_axes", [C(2, 3, 4)], tags=HOLO, axes=(0, 2), norm="forward"),
    _fnp_case("rfft2", [A(3, 4)]),
    _fnp_case("rfftn_axes", [A(3, 2, 5)], axes=(2, 0)),
    _fnp_case("rfftn_four_axes", [A(2, 2, 2, 3)]),
    _fnp_case("irfft2", [C(3, 3)]),
    _fnp_case("irfftn_s", [C(2, 3, 3)], s=(2, 3, 5), norm="ortho"),
    _fnp_case("irfftn_four_axes", [C(2, 2, 2, 3)]),
    # shifts
    _fnp_case("fftshift", [C(3, 4)], tags=HOLO),
    _fnp_case("fftshift_axis", [A(3, 5)], axes=1),
    _fnp_case("ifftshift", [A(5, 4)], axes=(0, 1)),
]
