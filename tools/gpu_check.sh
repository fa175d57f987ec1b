#!/usr/bin/env bash
# The one-shot GPU check (issue 11): on a machine with an NVIDIA GPU, in under 8 minutes,
# make CuPy importable (the `gpu` extra, matched to the driver's CUDA), run the tests marked
# `gpu` and bench/gpu.py, and print one summary: the GPU, the benchmark table, each test
# group's pytest summary and the failures.
#
#   tools/gpu_check.sh            # from anywhere; it works in the repository root
#
# Unattended and robust: no step stops the script; each one has a time cap taken from one
# budget (GPU_CHECK_BUDGET_S, default 450 s), and what failed is printed plainly. Needs only
# python3 (PYTHON=...) with pip; fungrad runs from the checkout (no install). The logs go to
# $OUT when it is set (else a new temporary folder): gpu_check.log (this summary),
# bench.txt and pytest-<group>.log (api, examples, tables): five files.
#
# The tests run in three groups, the quick ones (devices API, bench/gpu.py --quick) and the
# benchmark first, then the examples, then every table row (values, jit, vjp) on what is
# left, so that a group cut short by its cap (a GPU compiles every new kernel once) leaves
# the others their time: tests not started by a group's cap are skipped (pytest --stop-at)
# and the summary says so. The examples and tables run on pytest-xdist workers
# (GPU_CHECK_WORKERS, default 8) when it is installed; each group stops after 25 failures
# (--maxfail) rather than at the first, so one run reports as much as it can.
set -u
cd "$(dirname "$0")/.." || exit 1
PY=${PYTHON:-python3}
OUT=${OUT:-$(mktemp -d -t fungrad-gpu-check-XXXX)}
mkdir -p "$OUT"
LOG="$OUT/gpu_check.log"
: >"$LOG"
BUDGET=${GPU_CHECK_BUDGET_S:-450}
START=$(date +%s)
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export XLA_PYTHON_CLIENT_PREALLOCATE=false  # JAX would take 75% of the GPU's memory
SUMMARY=()

say() { echo "$*" | tee -a "$LOG"; }
elapsed() { echo $(($(date +%s) - START)); }
# seconds a step may take: its own cap, but never past the budget (less a reserve for the rest)
cap() { local want=$1 reserve=${2:-10} left; left=$((BUDGET - $(elapsed) - reserve)); \
        ((left < want)) && want=$left; ((want < 5)) && want=0; echo "$want"; }

say "== fungrad GPU check $(date -u +%FT%TZ), budget ${BUDGET}s, logs in $OUT"

# --- the GPU and the CUDA version its driver supports ----------------------------------
CUDA_MAJOR=""
if command -v nvidia-smi >/dev/null 2>&1; then
  say "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -4 | tr '\n' ' ')"
  CUDA_MAJOR=$(nvidia-smi 2>/dev/null | grep -o 'CUDA Version: [0-9]*' | grep -o '[0-9]*$' | head -1)
  say "driver's CUDA: ${CUDA_MAJOR:-unknown}"
else
  say "nvidia-smi not found: no NVIDIA driver here (the gpu tests will skip, the bench says 'no GPU')"
fi

# --- Python packages: CuPy (the gpu extra) and what the tests import -----------------------
pip_install() {  # best effort, capped; says plainly when the package index is out of reach
  local t; t=$(cap 150 200)
  if ((t == 0)); then say "no time left to pip install $*"; return 1; fi
  if timeout "$t" "$PY" -m pip install -q --disable-pip-version-check "$@" >>"$LOG" 2>&1; then
    say "pip installed: $*"
  else
    say "pip could NOT install: $* (no package index reachable from here, or no wheel; see $LOG)"
    return 1
  fi
}
cupy_status() {
  "$PY" -c "import cupy; n = cupy.cuda.runtime.getDeviceCount(); print(f'CuPy {cupy.__version__} sees {n} GPU(s)'); raise SystemExit(n == 0)" 2>&1 | tail -1
  return "${PIPESTATUS[0]}"
}
say "python: $("$PY" -c 'import sys; print(sys.version.split()[0], sys.executable)' 2>&1)"
if line=$(cupy_status); then
  say "$line"
else
  say "CuPy not usable yet: $line"
  if [[ -n "$CUDA_MAJOR" ]]; then
    # The gpu extra is cupy-cuda12x; a CUDA 13 driver gets the gpu-cuda13 extra's package.
    pkg=cupy-cuda12x
    ((CUDA_MAJOR >= 13)) && pkg=cupy-cuda13x
    pip_install "$pkg" && line=$(cupy_status)
    say "after installing $pkg: $line"
  fi
fi
missing=$("$PY" - <<'EOF' 2>&1
import importlib.util
need = {"numpy": "numpy", "numba": "numba", "typing_extensions": "typing_extensions",
        "pytest": "pytest", "xdist": "pytest-xdist", "scipy": "scipy",
        "sklearn": "scikit-learn", "matplotlib": "matplotlib", "mpmath": "mpmath",
        "ml_dtypes": "ml_dtypes"}
print(" ".join(pkg for mod, pkg in need.items() if importlib.util.find_spec(mod) is None))
EOF
)
[[ -n "$missing" ]] && { say "missing Python packages: $missing"; pip_install $missing; }
# fungrad.kernels is the repository's kernels/ folder, mapped under fungrad's namespace by
# setup.py; running from the checkout without installing needs the link a developer has.
if ! "$PY" -c "import fungrad.kernels" >/dev/null 2>&1 && [[ ! -e fungrad/kernels ]]; then
  ln -s ../kernels fungrad/kernels && say "linked fungrad/kernels -> ../kernels (no install)"
fi
say "versions: $("$PY" - <<'EOF' 2>&1 | tail -1
import importlib
out = []
for m in ("fungrad", "numpy", "numba", "cupy", "jax", "pytest"):
    try:
        out.append(f"{m} {getattr(importlib.import_module(m), '__version__', '?')}")
    except Exception as e:
        out.append(f"{m} missing ({type(e).__name__})")
print(", ".join(out))
EOF
)"
say "fungrad sees: $("$PY" -c 'import fungrad as fg; print(fg.default_backend(), fg.devices())' 2>&1 | tail -1)"

WORKERS=()
if "$PY" -c "import xdist" >/dev/null 2>&1; then
  WORKERS=(-n "${GPU_CHECK_WORKERS:-8}")
fi

# --- one capped pytest run of tests/test_gpu.py ------------------------------------------
# SIGINT at the cap makes pytest stop and still print its summary of what ran.
pytest_group() {
  local name=$1 want=$2 reserve=$3; shift 3
  local t rc line log="$OUT/pytest-$name.log"
  t=$(cap "$want" "$reserve")
  if ((t == 0)); then SUMMARY+=("pytest $name: NOT RUN (budget spent)"); return; fi
  say "-- pytest $name (cap ${t}s, at $(elapsed)s)"
  # Tests not started by --stop-at are skipped (the summary still prints); the timeout is
  # the backstop for a test that hangs.
  timeout -s INT -k 15 $((t + 30)) "$PY" -m pytest tests/test_gpu.py -m gpu -o addopts="" \
    -q -p no:cacheprovider --maxfail=25 -rfEs --tb=short --stop-at $(($(date +%s) + t)) \
    "$@" >"$log" 2>&1
  rc=$?
  line=$(grep -E '[0-9]+ (passed|failed|skipped|errors?|deselected)|no tests ran' "$log" | tail -1)
  capped=$(grep -c 'time cap (--stop-at) was reached' "$log")
  ((capped > 0)) && line="$line  [time cap ${t}s reached: tests not started by then skipped]"
  ((rc == 124 || rc == 137)) && line="$line  [KILLED at the cap + 30 s: a test hung]"
  SUMMARY+=("pytest $name: rc=$rc  ${line:-no summary line (see pytest-$name.log)}")
  say "   rc=$rc ${line}"
}

pytest_group api 90 200 -n 0 -k "not table and not jit_gpu_matches and not example"

t=$(cap 150 120)
if ((t > 0)); then
  say "-- bench/gpu.py (cap ${t}s, at $(elapsed)s)"
  timeout -s INT -k 20 "$t" "$PY" bench/gpu.py >"$OUT/bench.txt" 2>&1
  rc=$?
  ((rc == 124)) && echo "[TIME CAP ${t}s reached: rows below the last one did not run]" >>"$OUT/bench.txt"
  SUMMARY+=("bench/gpu.py: rc=$rc")
else
  echo "bench/gpu.py NOT RUN (budget spent)" >"$OUT/bench.txt"
fi

pytest_group examples 60 120 "${WORKERS[@]}" -k test_example_runs_on_the_gpu
# values, then jit, then vjp over the table (file order), on the rest of the budget
pytest_group tables 400 10 "${WORKERS[@]}" -k "table or jit_gpu_matches"

# --- the summary (the benchmark table last: a caller reading only the tail sees it) ------
{
  echo
  echo "================ fungrad GPU check: summary ($(elapsed)s) ================"
  grep -E '^(GPU|driver|CuPy|after installing|versions|fungrad sees|pip could|missing)' "$LOG"
  echo "---------------- tests marked gpu ----------------"
  printf '%s\n' "${SUMMARY[@]}"
  failures=$(cat "$OUT"/pytest-*.log 2>/dev/null | grep -E '^(FAILED|ERROR) ')
  if [[ -n "$failures" ]]; then
    echo "---------------- failures: $(echo "$failures" | wc -l) (first 25; details in pytest-<group>.log) ----------------"
    echo "$failures" | head -25 | cut -c1-220
  fi
  echo "---------------- bench/gpu.py ----------------"
  cat "$OUT/bench.txt"
} | tee -a "$LOG"
exit 0
