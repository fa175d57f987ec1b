"""Run a short version of every script in ``examples/`` so that none of them can rot.

Each script exposes ``main(argv) -> dict`` of final metrics. `SHORT_RUNS` gives every
example tiny settings and a check of its metrics; a script in ``examples/`` without an entry
fails `test_example_runs`, so a new example must come with its short run here. Modules that
examples import but that are not examples themselves are listed in `SUPPORT_MODULES`.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
SUPPORT_MODULES = {"digits_data", "blas_threads"}  # imported by examples, not examples


def check_loss_decreased(m: dict) -> None:
    assert m["final_loss"] < 0.8 * m["initial_loss"], m


def check_digits_mlp(m: dict) -> None:
    check_loss_decreased(m)
    assert m["test_accuracy"] > 0.85, m


def check_linear_regression(m: dict) -> None:
    assert m["final_objective"] < 0.2 * m["initial_objective"], m
    # The closed form is the minimum: SGD may approach it but never beat it.
    assert m["final_objective"] >= m["ridge_objective"] - 1e-12, m
    assert m["w_relative_error"] < 0.05 and m["b_error"] < 0.05, m


def check_softmax_regression(m: dict) -> None:
    check_loss_decreased(m)
    assert m["test_accuracy"] > 0.85, m


def check_gan_2d(m: dict) -> None:
    assert m["mean_distance"] < 0.5 * m["initial_mean_distance"], m


def check_per_example_grads(m: dict) -> None:
    assert m["loop_difference"] < 1e-10, m
    check_loss_decreased(m)
    assert m["test_accuracy"] > 0.5, m


def check_digits_cnn(m: dict) -> None:
    check_loss_decreased(m)
    assert m["test_accuracy"] > 0.8, m


def check_lstm_sequence(m: dict) -> None:
    check_loss_decreased(m)
    # Even a short run must clearly beat repeating the window's last value...
    assert m["test_mse"] < 0.5 * m["last_value_mse"], m
    # ...and no predictor can beat the noise in the targets by much (sampling error only).
    assert m["test_mse"] > 0.5 * m["noise_floor_mse"], m


def check_transformer(m: dict) -> None:
    check_loss_decreased(m)
    # Below the unigram entropy: the model uses the context, not just character counts.
    assert m["final_loss"] < m["unigram_entropy"], m


# example name -> (argv for a run of a few seconds, check of the returned metrics)
SHORT_RUNS = {
    "digits_mlp": (["--epochs", "2", "--hidden", "64"], check_digits_mlp),
    "linear_regression": (["--epochs", "12", "--samples", "500", "--print-every", "4"],
                          check_linear_regression),
    "softmax_regression": (["--epochs", "3", "--print-every", "1"], check_softmax_regression),
    "gan_2d": (["--steps", "150", "--print-every", "50"], check_gan_2d),
    "per_example_grads": (["--epochs", "2", "--batch-size", "64", "--print-every", "1"],
                          check_per_example_grads),
    "digits_cnn": (["--epochs", "2", "--channels", "8", "16", "--print-every", "1"],
                   check_digits_cnn),
    "lstm_sequence": (["--epochs", "8", "--train-size", "1024", "--test-size", "256",
                       "--hidden", "16", "--lr", "1e-2", "--batch-size", "32",
                       "--print-every", "4"], check_lstm_sequence),
    "transformer": (["--steps", "60", "--context", "16", "--batch-size", "8", "--d-model", "32",
                     "--generate", "20", "--print-every", "30"], check_transformer),
}


def discovered_examples() -> list[str]:
    """The example scripts: every ``examples/*.py`` except the support modules."""
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.py") if p.stem not in SUPPORT_MODULES)


def load_example(name: str, monkeypatch):
    """Import ``examples/<name>.py`` by path (its directory on sys.path, as when run)."""
    path = EXAMPLES_DIR / f"{name}.py"
    assert 'if __name__ == "__main__":' in path.read_text(), (
        f"examples/{name}.py must run its main() only under `if __name__ == \"__main__\":`")
    monkeypatch.syspath_prepend(str(EXAMPLES_DIR))
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses resolve annotations here
    spec.loader.exec_module(module)
    assert callable(getattr(module, "main", None)), (
        f"examples/{name}.py must define main(argv=None) -> dict of final metrics")
    return module


@pytest.mark.parametrize("name", discovered_examples())
def test_example_runs(name, monkeypatch, capsys):
    if name not in SHORT_RUNS:
        pytest.fail(f"examples/{name}.py has no entry in SHORT_RUNS in tests/test_examples.py: "
                    f"add tiny settings (a run of a few seconds) and a check of its metrics "
                    f"(or, for a module that is not an example, add it to SUPPORT_MODULES).")
    argv, check = SHORT_RUNS[name]
    metrics = load_example(name, monkeypatch).main(argv)
    assert isinstance(metrics, dict) and metrics, f"{name}.main returned {metrics!r}"
    for key, value in metrics.items():
        assert isinstance(value, float) and math.isfinite(value), f"{name}: {key} = {value!r}"
    check(metrics)
    assert capsys.readouterr().out.strip(), f"{name} printed no progress"


@pytest.mark.parametrize("name", discovered_examples())
def test_example_help(name, monkeypatch, capsys):
    module = load_example(name, monkeypatch)
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0
    assert "--seed" in capsys.readouterr().out, f"{name} --help lists no --seed option"


def test_short_runs_name_existing_examples():
    stale = sorted(set(SHORT_RUNS) - set(discovered_examples()))
    assert not stale, f"SHORT_RUNS has entries for missing examples: {stale}"


def test_discovery_sees_the_examples():
    # Guards against a broken glob that would make every test above vacuous.
    assert {"digits_mlp", "gan_2d"} <= set(discovered_examples())
