"""Every tier-1 name of the API targets exists, with its anchor's parameter names.

The targets are `../shared/api-targets.md` (the team's list, measured against jax 0.10.2 and
optax 0.2.8) when it is present, else the copy `tests/api_targets.md`. Each section names an
anchor module and the fungrad module that mirrors it; each tier-1 name must exist there, or
be named in the README's "Where fungrad differs" section as deliberately absent. Where the
anchor is installed, the keyword-usable parameters of each callable must match the anchor's
in name and order (fungrad may add parameters after them, with defaults).
"""

from __future__ import annotations

import importlib
import inspect
import os
import re

import pytest

HERE = os.path.dirname(__file__)
SHARED = os.path.join(HERE, "..", "..", "shared", "api-targets.md")
TARGETS = SHARED if os.path.exists(SHARED) else os.path.join(HERE, "api_targets.md")
README = os.path.join(HERE, "..", "README.md")

# section heading prefix -> (anchor module, fungrad module)
SECTIONS = {
    "jax.numpy vs": ("jax.numpy", "fungrad.numpy"),
    "jax.numpy.linalg": ("jax.numpy.linalg", "fungrad.numpy.linalg"),
    "jax.numpy.fft": ("jax.numpy.fft", "fungrad.numpy.fft"),
    "jax.lax": ("jax.lax", "fungrad.lax"),
    "jax.nn (functions)": ("jax.nn", "fungrad.nn"),
    "jax.nn.initializers": ("jax.nn.initializers", "fungrad.nn.initializers"),
    "jax.random": ("jax.random", "fungrad.random"),
    "jax.tree_util": ("jax.tree_util", "fungrad.tree_util"),
    "jax.tree vs": ("jax.tree", "fungrad.tree"),
    "jax (top level)": ("jax", "fungrad"),
    "jax.scipy.special": ("jax.scipy.special", "fungrad.scipy.special"),
    "optax vs": ("optax", "fungrad.optim"),
}


def _tier1() -> list[tuple[str, str, str]]:
    text = open(TARGETS).read()
    rows = []
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        heading = section.splitlines()[0]
        modules = [v for k, v in SECTIONS.items() if heading.startswith(k)]
        match = re.search(r"tier 1:(.*)", section)
        if not modules or not match:
            continue
        anchor, ours = modules[0]
        rows += [(anchor, ours, n) for n in re.findall(r"`([^`]+)`", match.group(1))]
    return rows


ROWS = _tier1()


def _declared_absent() -> str:
    text = open(README).read()
    start = text.find("## Where fungrad differs")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def test_the_targets_file_was_parsed():
    assert len(ROWS) > 200 and {r[1] for r in ROWS} >= {"fungrad.numpy", "fungrad.optim"}


@pytest.mark.parametrize("anchor,ours,name", ROWS, ids=[f"{r[1]}.{r[2]}" for r in ROWS])
def test_tier1_name_exists(anchor, ours, name):
    try:
        module = importlib.import_module(ours)
    except ImportError:
        module = None
    if module is not None and hasattr(module, name):
        return
    assert f"`{ours}.{name}`" in _declared_absent(), (
        f"{ours}.{name} is missing (tier 1 in api-targets.md, anchor {anchor}.{name}); add "
        "it, or say why not in the README's 'Where fungrad differs' section as "
        f"`{ours}.{name}`")


# The top level's tier-2 names that fungrad leaves out, and why. The sharding names: the
# README's "Where fungrad differs" section ("No sharding parameters"; pmap maps over MPI
# processes, "there is no sharding (`shard_map`, `NamedSharding`)").
TOP_LEVEL_TIER2_ABSENT = {
    **dict.fromkeys(["shard_map", "sharding", "NamedSharding", "P", "make_mesh", "set_mesh"],
                    "no sharding: arrays live on one device, pmap maps over MPI processes"),
    "export": "serializes StableHLO; fungrad lowers to Numba/CuPy, with nothing to export",
    "ffi": "XLA's foreign-function interface; fg.pure_callback calls host code",
    "ad": "jax.ad is a namespace of JAX-internal markers (DontWant, GradRef...)",
    "api_util": "JAX's tracing internals (flatten_fun, argnums_partial...)",
    "live_arrays": "NumPy arrays have no registry of live buffers to list honestly",
}


def _top_level_tier2() -> list[str]:
    text = open(TARGETS).read()
    section = next(s for s in re.split(r"^## ", text, flags=re.M)
                   if s.startswith("jax (top level)"))
    return re.findall(r"`([^`]+)`", re.search(r"tier 2:(.*)", section).group(1))


def _in_fungrad(name: str) -> bool:
    """A top-level attribute, or a subpackage one imports (``fungrad.experimental``)."""
    import importlib.util

    import fungrad as fg

    return hasattr(fg, name) or importlib.util.find_spec(f"fungrad.{name}") is not None


def test_top_level_tier2_names_exist_or_are_declared_absent():
    names = _top_level_tier2()
    assert len(names) > 30
    missing = [n for n in names if not _in_fungrad(n) and n not in TOP_LEVEL_TIER2_ABSENT]
    assert not missing, f"top-level tier-2 names neither in fungrad nor declared absent: {missing}"
    stale = [n for n in TOP_LEVEL_TIER2_ABSENT if _in_fungrad(n) or n not in names]
    assert not stale, f"declared absent but present (or not a tier-2 name): {stale}"
    jax = pytest.importorskip("jax")
    assert all(hasattr(jax, n) for n in TOP_LEVEL_TIER2_ABSENT)


# Parameters that only mean something for arrays sharded over accelerators; the README's
# "Where fungrad differs" section says fungrad does not take them.
SHARDING_ONLY = {"out_sharding", "in_shardings", "out_shardings", "sharding"}


def _keyword_params(fn) -> list[str] | None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in sig.parameters.values()
            if p.kind in kinds and p.name not in SHARDING_ONLY]


@pytest.mark.parametrize("anchor,ours,name", ROWS, ids=[f"{r[1]}.{r[2]}" for r in ROWS])
def test_tier1_signature_matches_the_anchor(anchor, ours, name):
    try:
        anchor_module = importlib.import_module(anchor)
    except ImportError:
        pytest.skip(f"{anchor} is not installed")
    try:
        anchor_obj = getattr(anchor_module, name)
    except AttributeError:  # a submodule that `import jax` does not load (jax.flatten_util)
        anchor_obj = importlib.import_module(f"{anchor}.{name}")
    try:
        obj = getattr(importlib.import_module(ours), name)
    except (ImportError, AttributeError):
        pytest.skip(f"{ours}.{name} is absent (test_tier1_name_exists covers it)")
    if inspect.ismodule(anchor_obj) or inspect.isclass(anchor_obj) or not callable(anchor_obj):
        return  # modules, classes, dtypes and constants: existence is the check
    theirs, mine = _keyword_params(anchor_obj), _keyword_params(obj)
    if theirs is None or mine is None or not theirs:
        return
    assert mine[:len(theirs)] == theirs or (set(theirs) <= set(mine)), (
        f"{ours}.{name}{inspect.signature(obj)} does not take {anchor}.{name}'s parameters "
        f"{theirs} (fungrad has {mine})")
    positional = [n for n in theirs if n in mine]
    assert [n for n in mine if n in theirs] == positional, (
        f"{ours}.{name}: parameters {theirs} come in another order ({mine})")


# ---------------------------------------------------------------------------------------
# Every name jax.numpy shares with NumPy, so that ported NumPy/JAX code finds it. These were
# the last ones added (the rest were tier 1/2 above); their keyword-usable parameters must
# match jax.numpy's in name and order (fungrad may add more after them).
NUMPY_REST = """
apply_over_axes argpartition array_equiv array_repr array_str bartlett bitwise_count
bitwise_invert bitwise_left_shift bitwise_right_shift blackman block c_ cdouble character
csingle delete ediff1d einsum_path flatnonzero flexible frexp from_dlpack frombuffer
fromfile fromfunction fromiter frompyfunc fromstring gcd get_printoptions hamming hanning
histogram histogram2d histogram_bin_edges histogramdd i0 insert iscomplex isdtype isrealobj
iterable kaiser lcm mask_indices matvec nextafter object_ packbits partition piecewise place
poly polyadd polyder polydiv polyfit polyint polymul polysub pow printoptions put r_
ravel_multi_index rollaxis roots set_printoptions setxor1d sort_complex spacing trim_zeros
ufunc unpackbits unwrap vander vecmat
""".split()


def test_every_name_jax_numpy_shares_with_numpy_exists():
    import numpy as np

    import fungrad.numpy as fnp

    jnp = pytest.importorskip("jax.numpy")
    shared = {n for n in dir(jnp) if not n.startswith("_")} & set(dir(np))
    missing = sorted(shared - set(dir(fnp)))
    assert not missing, f"fungrad.numpy lacks names jax.numpy and NumPy share: {missing}"


@pytest.mark.parametrize("name", NUMPY_REST + ["real_if_close"])
def test_numpy_rest_exists_with_jax_numpys_parameters(name):
    import fungrad.numpy as fnp

    assert hasattr(fnp, name), f"fungrad.numpy.{name} is missing"
    jnp = pytest.importorskip("jax.numpy")
    anchor = getattr(jnp, name, None)
    if anchor is None or inspect.isclass(anchor) or not callable(anchor):
        return  # NumPy's own name (real_if_close), classes, dtypes, index objects
    theirs, mine = _keyword_params(anchor), _keyword_params(getattr(fnp, name))
    assert theirs is not None and mine is not None
    assert mine[:len(theirs)] == theirs, (
        f"fungrad.numpy.{name}{inspect.signature(getattr(fnp, name))} does not start with "
        f"jax.numpy.{name}'s keyword parameters {theirs} (fungrad has {mine})")
