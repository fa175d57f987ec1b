"""Run a short version of every script in ``examples/`` so that none of them can rot.

Each script exposes ``main(argv) -> dict`` of final metrics. `SHORT_RUNS` gives every
example tiny settings and a check of its metrics; a script in ``examples/`` without an entry
fails `test_example_runs`, so a new example must come with its short run here. Modules that
examples import but that are not examples themselves are listed in `SUPPORT_MODULES`.

Every short run writes into a temporary ``--out``: the test checks the files of
``examples/run_files.py`` (params and checkpoint loadable with ``fg.load``, metrics.csv,
the PNGs read back as images), then runs again with ``--resume`` and a little more training
(`RESUME_ARGV`) and checks that metrics.csv's steps continue instead of restarting.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import fungrad as fg

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
# imported by examples, not examples
SUPPORT_MODULES = {"digits_data", "blas_threads", "run_files", "progress"}


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


def check_data_parallel(m: dict) -> None:
    check_loss_decreased(m)
    assert m["test_accuracy"] > 0.8, m


def check_transformer(m: dict) -> None:
    check_loss_decreased(m)
    # Below the unigram entropy: the model uses the context, not just character counts.
    assert m["final_loss"] < m["unigram_entropy"], m
    # The held-out text (never trained on) is predicted better than by the initial model.
    assert m["heldout_loss"] < 0.8 * m["initial_heldout_loss"], m
    assert 0.0 <= m["heldout_accuracy"] <= 1.0, m


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
    "data_parallel": (["--steps", "60", "--hidden", "32", "--print-every", "20"],
                      check_data_parallel),
}


# example name -> the options of the --resume run (more epochs or steps than SHORT_RUNS)
RESUME_ARGV = {
    "digits_mlp": ["--epochs", "3", "--hidden", "64"],
    "linear_regression": ["--epochs", "13", "--samples", "500", "--print-every", "4"],
    "softmax_regression": ["--epochs", "4", "--print-every", "1"],
    "gan_2d": ["--steps", "200", "--print-every", "50"],
    "per_example_grads": ["--epochs", "3", "--batch-size", "64", "--print-every", "1"],
    "digits_cnn": ["--epochs", "3", "--channels", "8", "16", "--print-every", "1"],
    "lstm_sequence": ["--epochs", "9", "--train-size", "1024", "--test-size", "256",
                      "--hidden", "16", "--lr", "1e-2", "--batch-size", "32",
                      "--print-every", "4"],
    "transformer": ["--steps", "70", "--context", "16", "--batch-size", "8", "--d-model", "32",
                    "--generate", "20", "--print-every", "30"],
    "data_parallel": ["--steps", "80", "--hidden", "32", "--print-every", "20"],
}

# example name -> the PNGs it writes besides curves.png
EXTRA_PNGS = {"gan_2d": ["samples.png"], "lstm_sequence": ["predictions.png"],
              "digits_cnn": ["confusion.png"]}


def read_metrics(out: Path) -> tuple[list[str], list[dict]]:
    """metrics.csv's header and rows."""
    with open(out / "metrics.csv", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def check_run_files(name: str, out: Path) -> list[int]:
    """The files every run writes exist and read back; returns metrics.csv's steps."""
    from matplotlib import image

    params = fg.load(out / "params.npz")
    assert params and all(np.all(np.isfinite(a)) for a in params.values()
                          if np.issubdtype(a.dtype, np.inexact)), f"{name}: params {params}"
    assert fg.load(out / "checkpoint.npz"), f"{name}: empty checkpoint"
    header, rows = read_metrics(out)
    assert header[0] == "step" and header[-1] == "time", f"{name}: header {header}"
    assert {"loss", "accuracy"} <= set(header), f"{name}: header {header}"
    assert rows, f"{name}: metrics.csv has a header but no rows"
    assert all(r["loss"] and math.isfinite(float(r["loss"])) for r in rows), rows
    for png in ["curves.png", *EXTRA_PNGS.get(name, [])]:
        pixels = image.imread(out / png)
        assert pixels.ndim == 3 and pixels.shape[2] in (3, 4), f"{name}/{png}: {pixels.shape}"
        assert min(pixels.shape[:2]) >= 100, f"{name}/{png}: {pixels.shape}"
        assert pixels.std() > 0, f"{name}/{png} is blank"
    return [int(r["step"]) for r in rows]


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
def test_example_runs(name, monkeypatch, capsys, tmp_path):
    if name not in SHORT_RUNS or name not in RESUME_ARGV:
        pytest.fail(f"examples/{name}.py has no entry in SHORT_RUNS or RESUME_ARGV in "
                    f"tests/test_examples.py: add tiny settings (a run of a few seconds), a "
                    f"check of its metrics and the options of a slightly longer --resume run "
                    f"(or, for a module that is not an example, add it to SUPPORT_MODULES).")
    argv, check = SHORT_RUNS[name]
    out = tmp_path / "run"
    module = load_example(name, monkeypatch)
    metrics = module.main([*argv, "--out", str(out)])
    assert isinstance(metrics, dict) and metrics, f"{name}.main returned {metrics!r}"
    for key, value in metrics.items():
        assert isinstance(value, float) and math.isfinite(value), f"{name}: {key} = {value!r}"
    check(metrics)
    printed = capsys.readouterr().out
    assert printed.strip(), f"{name} printed no progress"
    assert "\r" not in printed, f"{name} drew a progress bar on a captured (non-tty) stdout"
    steps = check_run_files(name, out)

    # --resume with more training continues the step count and appends to metrics.csv.
    resumed = module.main([*RESUME_ARGV[name], "--out", str(out), "--resume"])
    assert resumed and all(math.isfinite(v) for v in resumed.values()), resumed
    assert "resuming" in capsys.readouterr().out
    all_steps = check_run_files(name, out)
    assert all_steps[:len(steps)] == steps, f"{name}: rows before the resume changed"
    new = all_steps[len(steps):]
    assert new, f"{name}: the resumed run appended no rows to metrics.csv"
    assert new[0] > steps[-1] and new == sorted(new), (
        f"{name}: steps after --resume {new} do not continue from {steps[-1]}")


@pytest.mark.parametrize("name", discovered_examples())
def test_example_help(name, monkeypatch, capsys):
    module = load_example(name, monkeypatch)
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--seed" in out, f"{name} --help lists no --seed option"
    assert "--device {cpu,gpu}" in out, f"{name} --help lists no --device option"


@pytest.mark.parametrize("name", ["softmax_regression", "linear_regression"])
def test_example_runs_on_a_stand_in_device(name, monkeypatch, capsys, tmp_path):
    """``--device gpu`` puts the batches and the training state on the device and reads
    metrics back to the host: here the device is tests/fake_device.py's stand-in, which
    refuses implicit conversion to NumPy as CuPy does (tests/test_gpu.py runs every example
    on a real GPU)."""
    from fungrad.tree_util import tree_map
    from tests.fake_device import FakeDeviceArray, to_fake

    placed = []

    def to_stand_in(args, tree):
        if args.device == "cpu":
            return tree
        placed.append(True)
        return tree_map(lambda x: to_fake(np.asarray(x))
                        if isinstance(x, (np.ndarray, np.generic)) else x, tree)

    module = load_example(name, monkeypatch)
    monkeypatch.setattr(sys.modules["run_files"], "to_device", to_stand_in)
    monkeypatch.setattr(module, "to_device", to_stand_in)
    argv, check = SHORT_RUNS[name]
    metrics = module.main([*argv, "--device", "gpu", "--out", str(tmp_path / "run")])
    check(metrics)
    assert placed, "nothing was placed on the device"
    params = fg.load(tmp_path / "run" / "params.npz")
    assert params and not any(isinstance(v, FakeDeviceArray) for v in params.values())


@pytest.mark.parametrize("precision", ["bf16", "f16"])
def test_digits_mlp_mixed_precision(precision, monkeypatch, capsys, tmp_path):
    """--precision: 16-bit compute with float32 master weights; resumable (loss scale too)."""
    module = load_example("digits_mlp", monkeypatch)
    out = tmp_path / "run"
    metrics = module.main(["--epochs", "2", "--hidden", "64", "--precision", precision,
                           "--out", str(out)])
    check_digits_mlp(metrics)
    assert ("loss_scale" in metrics) == (precision == "f16"), metrics
    check_run_files("digits_mlp", out)
    params = fg.load(out / "params.npz")
    assert {a.dtype for a in params.values()} == {np.dtype(np.float32)}, params
    resumed = module.main(["--epochs", "3", "--hidden", "64", "--precision", precision,
                           "--out", str(out), "--resume"])
    assert resumed["test_accuracy"] > 0.85, resumed


def test_short_runs_name_existing_examples():
    stale = sorted((set(SHORT_RUNS) | set(RESUME_ARGV)) - set(discovered_examples()))
    assert not stale, f"SHORT_RUNS/RESUME_ARGV have entries for missing examples: {stale}"


def test_resume_is_exact_and_stops_when_done(monkeypatch, capsys, tmp_path):
    # 2 epochs then --resume to 3 gives the parameters of 3 epochs in one go (same batches,
    # same optimizer state), and resuming a finished run says so and trains nothing.
    module = load_example("digits_mlp", monkeypatch)
    small = ["--hidden", "32"]
    module.main([*small, "--epochs", "3", "--out", str(tmp_path / "straight")])
    module.main([*small, "--epochs", "2", "--out", str(tmp_path / "resumed")])
    module.main([*small, "--epochs", "3", "--out", str(tmp_path / "resumed"), "--resume"])
    straight = fg.load(tmp_path / "straight" / "checkpoint.npz")
    resumed = fg.load(tmp_path / "resumed" / "checkpoint.npz")
    assert straight.keys() == resumed.keys()
    for key in straight:
        if key != "['elapsed']":
            np.testing.assert_array_equal(resumed[key], straight[key], err_msg=key)
    capsys.readouterr()
    rows_before = read_metrics(tmp_path / "resumed")[1]
    done = module.main([*small, "--epochs", "3", "--out", str(tmp_path / "resumed"),
                        "--resume"])
    assert "already reached epoch 3" in capsys.readouterr().out
    assert done["test_accuracy"] > 0.5, done
    assert read_metrics(tmp_path / "resumed")[1] == rows_before


def test_resume_without_checkpoint_says_what_to_do(monkeypatch, tmp_path):
    module = load_example("softmax_regression", monkeypatch)
    with pytest.raises(FileNotFoundError, match="run once without --resume"):
        module.main(["--epochs", "1", "--out", str(tmp_path / "none"), "--resume"])


def test_progress_bar_draws_only_on_a_terminal(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES_DIR))
    import progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    pipe, tty = io.StringIO(), Terminal()
    assert list(progress.progress(range(5), desc="epoch 1/2", stream=pipe)) == list(range(5))
    assert pipe.getvalue() == ""
    assert list(progress.progress(range(5), desc="epoch 1/2", stream=tty)) == list(range(5))
    drawn = tty.getvalue()
    assert "epoch 1/2" in drawn and "5/5" in drawn and "#" * 30 in drawn, drawn
    assert drawn.endswith("\r"), "the bar is erased when the epoch ends"


def test_discovery_sees_the_examples():
    # Guards against a broken glob that would make every test above vacuous.
    assert {"digits_mlp", "gan_2d"} <= set(discovered_examples())
