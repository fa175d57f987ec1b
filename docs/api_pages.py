"""The API reference pages, made at build time from the public names of each module.

docs/hooks.py adds one page per module to the site when mkdocs builds it: a mkdocstrings
directive listing the module's public functions and classes (``__all__`` where the module
has one, else its public attributes that are not submodules), so the reference always
shows exactly what ``import`` offers; no page is kept by hand. ``python docs/api_pages.py``
prints the pages.
"""

from __future__ import annotations

import importlib
import inspect
import sys

# (page file, module, one-line description)
PAGES = [
    ("fungrad.md", "fungrad", "Transforms (grad, vjp, jvp, vmap, jit, ...), devices, checkpoints."),
    ("numpy.md", "fungrad.numpy", "NumPy's API, differentiable under every transform."),
    ("numpy_linalg.md", "fungrad.numpy.linalg", "Linear algebra, like `jax.numpy.linalg`."),
    ("numpy_fft.md", "fungrad.numpy.fft", "Discrete Fourier transforms, like `jax.numpy.fft`."),
    ("lax.md", "fungrad.lax", "Primitives: strict operands, static parameters."),
    ("nn.md", "fungrad.nn", "Activations, losses, initializers and modules."),
    ("optim.md", "fungrad.optim", "Gradient transformations and schedules, like optax."),
    ("random.md", "fungrad.random", "Counter-based random numbers with explicit keys."),
    ("tree_util.md", "fungrad.tree_util", "Pytrees: flatten, map, register, key paths."),
    ("tree.md", "fungrad.tree", "Short names for the pytree utilities, like `jax.tree`."),
    ("flatten_util.md", "fungrad.flatten_util", "Ravel a pytree into one vector."),
    ("scipy_special.md", "fungrad.scipy.special", "Special functions, like `jax.scipy.special`."),
    ("scipy_stats.md", "fungrad.scipy.stats", "Probability distributions, like `jax.scipy.stats`."),
    ("scipy_linalg.md", "fungrad.scipy.linalg", "Linear algebra, like `jax.scipy.linalg`."),
    ("scipy_signal.md", "fungrad.scipy.signal", "Convolution and correlation."),
    ("scipy_integrate.md", "fungrad.scipy.integrate", "Numerical integration."),
    ("experimental_ode.md", "fungrad.experimental.ode",
     "`odeint`, like `jax.experimental.ode`: adaptive Dormand-Prince, adjoint gradients."),
]


def public_names(module) -> list[str]:
    """The documented members of ``module``: functions and classes it exports."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    out = []
    for name in names:
        obj = getattr(module, name)
        if inspect.ismodule(obj):
            continue
        if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
            out.append(name)
        elif callable(obj) and getattr(obj, "__doc__", None) and not name.endswith("_p"):
            out.append(name)  # callable objects such as custom_jvp functions
    return sorted(set(out))


def submodules(module) -> list[str]:
    """The public submodules that ``module`` imports (fungrad.scipy.stats' distributions)."""
    return sorted(n for n, obj in vars(module).items()
                  if inspect.ismodule(obj) and not n.startswith("_")
                  and obj.__name__.startswith(module.__name__ + "."))


def render(page: str, modname: str, blurb: str) -> str:
    module = importlib.import_module(modname)
    lines = [f"# `{modname}`", "", blurb, "",
             "<!-- Made by docs/api_pages.py when the site is built. -->", ""]
    if modname == "fungrad.scipy.stats":
        lines += ["::: fungrad.scipy.stats", "    options:", "      members: false", ""]
        for sub in submodules(module):
            sub_mod = importlib.import_module(f"{modname}.{sub}")
            lines += [f"::: {modname}.{sub}", "    options:", "      heading_level: 2",
                      "      members:"]
            lines += [f"        - {n}" for n in public_names(sub_mod)]
            lines.append("")
        return "\n".join(lines)
    names = public_names(module)
    if modname == "fungrad.lax":
        lines += ["Each primitive `name_p` (a `fungrad.core.Primitive`, listed by "
                  "`python -m fungrad.coverage`) is bound by the function `name` below.", ""]
    lines += [f"::: {modname}", "    options:", "      show_root_heading: false",
              "      members:"]
    lines += [f"        - {n}" for n in names]
    lines.append("")
    return "\n".join(lines)


def pages() -> dict[str, str]:
    """Page file name -> contents."""
    return {page: render(page, mod, blurb) for page, mod, blurb in PAGES}


def main() -> int:
    for page, text in pages().items():
        print(f"==> api/{page}\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
