"""Every docstring example in the package runs and shows what it claims."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pathlib

import pytest

import fungrad

# Every module file under fungrad/ (fungrad/transforms has no __init__.py, so
# pkgutil.walk_packages would skip it); the kernels have their own tests.
_ROOT = pathlib.Path(fungrad.__file__).resolve().parent
MODULES = sorted(
    ".".join(("fungrad", *path.relative_to(_ROOT).with_suffix("").parts)).removesuffix(".__init__")
    for path in _ROOT.rglob("*.py")
    if path.relative_to(_ROOT).parts[0] != "kernels"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


# ---------------------------------------------------------------------------------------
# Docstring examples: every public function of a completed module shows one.

# Modules (where functions are defined) whose every public function and class has a
# docstring with a ``>>>`` example; add a module here once it is complete, so it stays so.
COMPLETE = {
    "fungrad.config",
    "fungrad.core",
    "fungrad.devices",
    "fungrad.distributed.world",
    "fungrad.experimental.ode",
    "fungrad.flatten_util",
    "fungrad.image",
    "fungrad.transforms.cache_misses",
    "fungrad.profiler",
    "fungrad.environment_info",
    "fungrad.dlpack",
    "fungrad.transforms.custom_vmap",
    "fungrad.lax.bit_counts",
    "fungrad.lax.bit_shifts",
    "fungrad.lax.bitcast",
    "fungrad.lax.collectives",
    "fungrad.lax.comparison",
    "fungrad.lax.complex_parts",
    "fungrad.lax.conditionals",
    "fungrad.lax.conv_shorthands",
    "fungrad.lax.derived_arrays",
    "fungrad.lax.convolution",
    "fungrad.lax.creation",
    "fungrad.lax.cumulative",
    "fungrad.lax.derived_ops",
    "fungrad.lax.dot",
    "fungrad.lax.dynamic_slicing",
    "fungrad.lax.elementwise",
    "fungrad.lax.fft",
    "fungrad.lax.gather_scatter",
    "fungrad.lax.generic_reduce",
    "fungrad.lax.implicit",
    "fungrad.lax.index_spec",
    "fungrad.lax.indexing",
    "fungrad.lax.linalg",
    "fungrad.lax.linalg_eig",
    "fungrad.lax.linalg_pinv",
    "fungrad.lax.loops",
    "fungrad.lax.precision",
    "fungrad.lax.reduce_precision",
    "fungrad.lax.conv_patches",
    "fungrad.lax.conv_shapes",
    "fungrad.lax.ragged",
    "fungrad.lax.reductions",
    "fungrad.lax.scans",
    "fungrad.lax.shape_ops",
    "fungrad.lax.slicing_in_dim",
    "fungrad.lax.sorting",
    "fungrad.lax.special",
    "fungrad.lax.special_math",
    "fungrad.lax.special_scipy",
    "fungrad.lax.special_scipy_math",
    "fungrad.lax.top_k",
    "fungrad.lax.while_loop",
    "fungrad.lax.windowed",
    "fungrad.nn.activations",
    "fungrad.nn.softmax",
    "fungrad.nn.attention",
    "fungrad.nn.conv",
    "fungrad.nn.dropout",
    "fungrad.nn.linear",
    "fungrad.nn.losses",
    "fungrad.nn.losses_classification",
    "fungrad.nn.losses_more",
    "fungrad.nn.losses_segmentation",
    "fungrad.nn.module",
    "fungrad.nn.normalization",
    "fungrad.nn.recurrent",
    "fungrad.nn.sequential",
    "fungrad.numpy.array_api_names",
    "fungrad.numpy.array_type",
    "fungrad.numpy.bits",
    "fungrad.numpy.choosing",
    "fungrad.numpy.comparisons",
    "fungrad.numpy.complex_parts",
    "fungrad.numpy.contractions",
    "fungrad.numpy.convolutions",
    "fungrad.numpy.creation",
    "fungrad.numpy.differences",
    "fungrad.numpy.dtypes",
    "fungrad.numpy.fft",
    "fungrad.numpy.files",
    "fungrad.numpy.float_functions",
    "fungrad.numpy.float_representation",
    "fungrad.numpy.functional_updates",
    "fungrad.numpy.histograms",
    "fungrad.numpy.host_data",
    "fungrad.numpy.index_arrays",
    "fungrad.numpy.index_tricks",
    "fungrad.numpy.indexing",
    "fungrad.numpy.insert_delete",
    "fungrad.numpy.integer_math",
    "fungrad.numpy.joining",
    "fungrad.numpy.linalg",
    "fungrad.numpy.linalg_norms",
    "fungrad.numpy.math",
    "fungrad.numpy.matrix_parts",
    "fungrad.numpy.numpy_dispatch",
    "fungrad.numpy.padding",
    "fungrad.numpy.polynomials",
    "fungrad.numpy.printing",
    "fungrad.numpy.promotion",
    "fungrad.numpy.rearranging",
    "fungrad.numpy.reductions",
    "fungrad.numpy.reshaping",
    "fungrad.numpy.rounding",
    "fungrad.numpy.searching",
    "fungrad.numpy.setops",
    "fungrad.numpy.shape",
    "fungrad.numpy.sorting",
    "fungrad.numpy.statistics",
    "fungrad.numpy.tracer_methods",
    "fungrad.numpy.ufuncs",
    "fungrad.numpy.vector_products",
    "fungrad.numpy.windows",
    "fungrad.optim.adaptive",
    "fungrad.optim.assignment",
    "fungrad.optim.aliases",
    "fungrad.optim.aliases_extra",
    "fungrad.optim.aliases_more",
    "fungrad.optim.base",
    "fungrad.optim.clipping",
    "fungrad.optim.conditional",
    "fungrad.optim.constraints",
    "fungrad.optim.experimental",
    "fungrad.optim.experimental.aggregating",
    "fungrad.optim.gaussian",
    "fungrad.optim.hyperparams",
    "fungrad.optim.lbfgs",
    "fungrad.optim.linear_algebra",
    "fungrad.optim.microbatching",
    "fungrad.optim.moments",
    "fungrad.optim.monitoring",
    "fungrad.optim.numerics",
    "fungrad.optim.partition",
    "fungrad.optim.perturbations",
    "fungrad.optim.projections",
    "fungrad.optim.schedules",
    "fungrad.optim.second_order",
    "fungrad.optim.state_params",
    "fungrad.optim.step_sizes",
    "fungrad.optim.stepping",
    "fungrad.optim.target_updates",
    "fungrad.optim.transforms",
    "fungrad.optim.wrappers",
    "fungrad.optim.zoom_linesearch",
    "fungrad.random",
    "fungrad.random.discrete",
    "fungrad.random.distributions",
    "fungrad.random.gamma_family",
    "fungrad.random.keys",
    "fungrad.scipy.integrate",
    "fungrad.scipy.linalg",
    "fungrad.scipy.optimize",
    "fungrad.scipy.optimize.bfgs",
    "fungrad.scipy.optimize.lbfgs",
    "fungrad.scipy.optimize.line_search",
    "fungrad.scipy.cluster.vq",
    "fungrad.scipy.fft",
    "fungrad.scipy.interpolate",
    "fungrad.scipy.ndimage",
    "fungrad.scipy.signal",
    "fungrad.scipy.signal_spectral",
    "fungrad.scipy.sparse.linalg",
    "fungrad.scipy.special",
    "fungrad.serialization",
    "fungrad.transforms.api",
    "fungrad.transforms.callbacks",
    "fungrad.transforms.checkpoint",
    "fungrad.transforms.custom_derivatives",
    "fungrad.transforms.custom_gradient",
    "fungrad.transforms.jacobians",
    "fungrad.transforms.jit",
    "fungrad.transforms.linear_transpose",
    "fungrad.transforms.staging_api",
    "fungrad.transforms.vmap_api",
    "fungrad.tree",
    "fungrad.tree_util",
    "fungrad.tree_util.partial",
    "fungrad.tree_util.registry",
    "fungrad.tree_util.structure",
}

# The public namespaces of the API reference.
PUBLIC = [
    "fungrad", "fungrad.numpy", "fungrad.numpy.linalg", "fungrad.numpy.fft", "fungrad.lax",
    "fungrad.nn", "fungrad.optim", "fungrad.random", "fungrad.tree_util", "fungrad.tree",
    "fungrad.flatten_util", "fungrad.scipy.special", "fungrad.scipy.linalg",
    "fungrad.scipy.signal", "fungrad.scipy.integrate", "fungrad.scipy.optimize",
    "fungrad.scipy.sparse.linalg", "fungrad.scipy.ndimage", "fungrad.scipy.interpolate",
    "fungrad.scipy.fft", "fungrad.scipy.cluster.vq",
]


def _public_callables(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    for name in sorted(set(names)):
        obj = getattr(module, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if obj.__module__ == "typing" or _numpys_own(obj):
            continue  # typing aliases (tree_util.PyTree) and NumPy's classes are not ours
        yield name, obj


def _numpys_own(obj) -> bool:
    """True for NumPy's own objects that fungrad.numpy re-exports unchanged, as
    jax.numpy does (``fnp.floating is np.floating``): NumPy documents them."""
    import numpy as np

    name = getattr(obj, "__name__", "")
    return (obj.__module__ or "").split(".")[0] == "numpy" and getattr(np, name, None) is obj


def without_examples() -> dict[str, list[str]]:
    """Public name -> defining module, for functions and classes without a ``>>>`` example,
    grouped by the defining module."""
    out: dict[str, list[str]] = {}
    for modname in PUBLIC:
        module = importlib.import_module(modname)
        for name, obj in _public_callables(module):
            if ">>>" not in (inspect.getdoc(obj) or ""):
                home = getattr(obj, "__module__", modname) or modname
                entry = f"{modname}.{name}"
                if entry not in out.setdefault(home, []):
                    out[home].append(entry)
    return out


def test_every_public_name_has_an_example():
    missing = without_examples()
    assert not missing, f"public names without a docstring example ('>>>'): {missing}"


def test_only_numpys_own_classes_are_left_to_numpy():
    # The exclusion above must not hide a fungrad object: each excluded name is NumPy's
    # object itself, and the abstract scalar classes are among them.
    import numpy as np

    import fungrad.numpy as fnp

    excluded = [n for n in dir(fnp) if not n.startswith("_")
                and inspect.isclass(getattr(fnp, n)) and _numpys_own(getattr(fnp, n))]
    assert {"floating", "integer", "generic", "number"} <= set(excluded)
    assert all(getattr(fnp, n) is getattr(np, n) for n in excluded)


@pytest.mark.parametrize("home", sorted(COMPLETE))
def test_completed_modules_keep_their_examples(home):
    missing = without_examples().get(home, [])
    assert not missing, (f"{home} is listed as complete in tests/test_doctests.py, but "
                         f"{missing} have no docstring example (a '>>>' line); add one")


if __name__ == "__main__":  # python tests/test_doctests.py: what remains, per module
    remaining = without_examples()
    for home in sorted(remaining):
        print(f"{len(remaining[home]):4d}  {home}")
    print(f"{sum(map(len, remaining.values())):4d}  in all")
