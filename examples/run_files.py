"""The files a training example writes, and resuming from them (support module, not an
example).

Every training example calls `add_run_flags` on its parser (``--out``, ``--resume``) and
keeps one `RunFiles` for the run. Under ``--out`` (default ``runs/<example>/``) it writes:

- ``checkpoint.npz``: the whole training state (parameters, optimizer state) and the
  counters (``step``, ``epoch``, ``elapsed`` seconds), written with ``fg.save`` after every
  logged epoch, so that ``--resume`` continues exactly where the run stopped;
- ``params.npz``: the final parameters alone (``fg.load("params.npz")``, or
  ``fg.load(path, like=params)`` for the pytree);
- ``metrics.csv``: one row per logged point, columns ``step`` (optimizer steps so far),
  the example's own columns (``loss`` and ``accuracy`` always, empty where they do not
  apply) and ``time`` (training seconds so far, summed over resumed runs);
- ``curves.png`` (the loss and metric curves) and any extra plots of the example;
- ``summary.json``: the final metrics and the options of the last run.

With ``--resume`` the state is read back from ``checkpoint.npz``, rows of ``metrics.csv``
past the checkpoint's step (written after it, by a run that was then interrupted) are
dropped and new rows are appended. Random draws that depend on the epoch or step come from
``(seed, epoch)`` / ``(seed, step)`` in the examples, so a resumed run draws what the
uninterrupted run would have drawn: resuming with the same options gives the same
parameters as never stopping. Learning-rate schedules are built from ``--epochs`` /
``--steps``, so resuming with a larger value stretches the schedule from the saved step on.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import fungrad as fg

CHECKPOINT, PARAMS, METRICS, CURVES, SUMMARY = (
    "checkpoint.npz", "params.npz", "metrics.csv", "curves.png", "summary.json")


def add_run_flags(parser: argparse.ArgumentParser, example: str) -> None:
    """Add ``--out`` (default ``runs/<example>``), ``--resume`` and ``--device`` to `parser`."""
    parser.add_argument("--out", type=Path, default=Path("runs") / example,
                        help="folder for the checkpoint, params, metrics.csv and plots")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in --out (metrics.csv is appended)")
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu",
                        help="where the arrays live: cpu (NumPy) or gpu (CuPy; needs the "
                        "gpu extra and a CUDA device)")


def to_device(args: argparse.Namespace, tree: Any) -> Any:
    """``tree`` on ``--device``: unchanged on the CPU, ``fg.device_put`` onto the GPU.

    The first call on the GPU says where the run computes (``on CudaDevice(id=0)``).
    """
    if args.device == "cpu":
        return tree
    device = fg.devices(args.device)[0]
    if not getattr(args, "_device_announced", False):
        print(f"arrays on {device!r} ({device.device_kind})", flush=True)
        args._device_announced = True
    return fg.device_put(tree, device)


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend (files only, no display needed)."""
    try:
        import matplotlib
    except ImportError as e:
        raise ImportError(
            "run_files: the examples plot their curves with matplotlib; install it with "
            '`pip install -e ".[examples]"` (or `pip install matplotlib`).') from e
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return str(value)


class RunFiles:
    """The output folder of one example run: checkpoint, params, metrics.csv, plots.

    Args:
      args: the parsed options (``args.out`` and ``args.resume`` from `add_run_flags`).
      example: the example's name (in messages and plot titles).
      columns: the metric columns between ``step`` and ``time``; must contain ``loss``
        and ``accuracy``.
    """

    def __init__(self, args: argparse.Namespace, example: str, columns: Sequence[str]):
        missing = {"loss", "accuracy"} - set(columns)
        if missing:
            raise ValueError(f"RunFiles({example!r}): columns {list(columns)} lack "
                             f"{sorted(missing)}; every metrics.csv has loss and accuracy "
                             "(empty where they do not apply).")
        self.args, self.example = args, example
        self.out = Path(args.out)
        self.columns = ["step", *columns, "time"]
        self.step, self.epoch, self.elapsed = 0, 0, 0.0
        self.resumed = False

    def path(self, name: str) -> Path:
        """``--out / name``."""
        return self.out / name

    def start(self, state: Any) -> Any:
        """Begin the run: a fresh metrics.csv, or with ``--resume`` the saved state, on
        ``--device``.

        Args:
          state: the freshly initialised training state (a pytree); with ``--resume`` it
            is the template the checkpoint is read into (same structure, shapes, dtypes).

        Returns:
          The state to train from; `step`, `epoch` and `elapsed` are set to the saved ones.
        """
        self.out.mkdir(parents=True, exist_ok=True)
        if not self.args.resume:
            with open(self.path(METRICS), "w", newline="") as f:
                csv.writer(f).writerow(self.columns)
            return to_device(self.args, state)
        checkpoint = self.path(CHECKPOINT)
        if not checkpoint.exists():
            raise FileNotFoundError(
                f"{self.example} --resume: no checkpoint at {checkpoint}; run once without "
                f"--resume (same --out) first, or pass the --out of an earlier run.")
        saved = fg.load(checkpoint, like={"state": state, "step": np.int64(0),
                                          "epoch": np.int64(0), "elapsed": np.float64(0)})
        self.step, self.epoch = int(saved["step"]), int(saved["epoch"])
        self.elapsed, self.resumed = float(saved["elapsed"]), True
        self._keep_rows_up_to(self.step)
        print(f"resuming {self.example} from {checkpoint}: epoch {self.epoch}, "
              f"step {self.step}", flush=True)
        return to_device(self.args, saved["state"])  # checkpoints hold host arrays

    def _keep_rows_up_to(self, step: int) -> None:
        path = self.path(METRICS)
        rows = []
        if path.exists():
            with open(path, newline="") as f:
                rows = [r for r in csv.DictReader(f) if r.get("step") and int(r["step"]) <= step]
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, self.columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)

    def already_done(self, target: int, unit: str = "epoch") -> dict | None:
        """On a resumed run that already reached `target` epochs (or steps): say so and
        return the saved final metrics (``{}`` if there are none); otherwise ``None``."""
        done = self.epoch if unit == "epoch" else self.step
        if not self.resumed or done < target:
            return None
        flag = "--epochs" if unit == "epoch" else "--steps"
        print(f"{self.example}: the run in {self.out} already reached {unit} {done} "
              f"({flag} {target}); nothing to do. Pass a larger {flag} to train further.",
              flush=True)
        summary = self.path(SUMMARY)
        if summary.exists():
            return {k: float(v) for k, v in json.loads(summary.read_text())["metrics"].items()}
        return {}

    def log(self, **values: Any) -> None:
        """Append one row to metrics.csv (`step` and `time` from the run's counters unless
        given; columns not given stay empty)."""
        values.setdefault("step", self.step)
        values.setdefault("time", self.elapsed)
        unknown = set(values) - set(self.columns)
        if unknown:
            raise ValueError(f"RunFiles.log: no columns {sorted(unknown)} in {self.columns}")
        with open(self.path(METRICS), "a", newline="") as f:
            csv.writer(f).writerow([_cell(values.get(c)) for c in self.columns])

    def save(self, state: Any, params: Any) -> None:
        """Write the checkpoint (state and counters) and the parameters alone."""
        fg.save(self.path(CHECKPOINT), {"state": state, "step": np.int64(self.step),
                                        "epoch": np.int64(self.epoch),
                                        "elapsed": np.float64(self.elapsed)})
        fg.save(self.path(PARAMS), params)

    def read_metrics(self) -> dict[str, np.ndarray]:
        """metrics.csv as ``{column: float array}`` (empty cells are NaN)."""
        with open(self.path(METRICS), newline="") as f:
            rows = list(csv.DictReader(f))
        return {c: np.array([float(r[c]) if r.get(c) else np.nan for r in rows])
                for c in self.columns}

    def plot_curves(self, panels: Sequence[tuple[str, Sequence[str]]] | None = None,
                    *, log_loss: bool = False) -> Path:
        """Plot metrics.csv against ``step`` into curves.png, one panel per entry.

        Args:
          panels: ``(y label, [columns])`` per panel; default ``loss`` and ``accuracy``.
            Columns with no values are left out, and so are panels left empty.
          log_loss: use a log scale on the first panel.

        Returns:
          The PNG's path.
        """
        plt = pyplot()
        data = self.read_metrics()
        panels = panels or [("loss", ["loss"]), ("accuracy", ["accuracy"])]
        shown = [(label, [c for c in cols if np.isfinite(data[c]).any()])
                 for label, cols in panels]
        shown = [(label, cols) for label, cols in shown if cols]
        fig, axes = plt.subplots(1, max(1, len(shown)), figsize=(5 * max(1, len(shown)), 3.6),
                                 squeeze=False)
        for i, (ax, (label, cols)) in enumerate(zip(axes[0], shown, strict=False)):
            for c in cols:
                ok = np.isfinite(data[c])
                ax.plot(data["step"][ok], data[c][ok], marker="." if ok.sum() < 30 else None,
                        label=c)
            ax.set_xlabel("step")
            ax.set_ylabel(label)
            if log_loss and i == 0:
                ax.set_yscale("log")
            if len(cols) > 1:
                ax.legend()
            ax.grid(alpha=0.3)
        fig.suptitle(f"{self.example} ({self.out})")
        return self.save_figure(fig, CURVES)

    def save_figure(self, fig, name: str) -> Path:
        """Save a matplotlib figure as ``--out / name`` and close it."""
        plt = pyplot()
        fig.tight_layout()
        path = self.path(name)
        fig.savefig(path, dpi=80)
        plt.close(fig)
        return path

    def finish(self, metrics: dict, extra_files: Sequence[str] = ()) -> None:
        """Write summary.json and print where the run's files are."""
        options = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(self.args).items()}
        self.path(SUMMARY).write_text(json.dumps(
            {"example": self.example, "step": self.step, "epoch": self.epoch,
             "metrics": metrics, "options": options}, indent=1, default=str))
        files = [PARAMS, CHECKPOINT, METRICS, CURVES, *extra_files]
        print(f"wrote {', '.join(files)} to {self.out}", flush=True)
