#!/usr/bin/env bash
# A new user's first hour, automated: clone this repository into a temporary folder, make a
# fresh virtual environment, run the README's Quick start commands verbatim (read from the
# README, so the two cannot drift apart) and check the main example's final accuracy line.
#
#   tools/fresh_machine_check.sh            # the example and the test suite
#   tools/fresh_machine_check.sh --no-tests # the example only
#
# Needs git and python3 with the venv module (Debian/Ubuntu: apt install git python3-venv).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
run_tests=1
[[ "${1:-}" == "--no-tests" ]] && run_tests=0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stamp() { date +%s; }

# The two one-line commands of the Quick start: the first code line after each bullet.
example_cmd="$(awk '/Train an MLP on real data/{f=1} f && /^  (pip|python)/{sub(/^  /,""); print; exit}' "$repo/README.md")"
tests_cmd="$(awk '/\*\*Run the tests:\*\*/{f=1} f && /^  (pip|python)/{sub(/^  /,""); print; exit}' "$repo/README.md")"
[[ -n "$example_cmd" && -n "$tests_cmd" ]] || { echo "README Quick start commands not found"; exit 1; }
echo "example command: $example_cmd"
echo "tests command:   $tests_cmd"

t0=$(stamp)
git clone -q "$repo" "$work/fungrad"
cd "$work/fungrad"
python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip
t1=$(stamp)
echo "clone + venv: $((t1 - t0)) s"

bash -c "$example_cmd" | tee "$work/example.log"
t2=$(stamp)
echo "example (install + train): $((t2 - t1)) s"
line="$(grep -E '^final test accuracy: ' "$work/example.log" | tail -1)"
[[ -n "$line" ]] || { echo "FAIL: no final accuracy line"; exit 1; }
acc="$(echo "$line" | awk '{print $4}')"
python -c "import sys; a=float('$acc'); print(f'final test accuracy {a:.4f}'); sys.exit(0 if a >= 0.95 else 1)" \
  || { echo "FAIL: accuracy below 0.95"; exit 1; }

if [[ $run_tests == 1 ]]; then
  bash -c "$tests_cmd" | tail -5
  t3=$(stamp)
  echo "tests (install + run): $((t3 - t2)) s"
fi
echo "fresh machine check passed in $(( $(stamp) - t0 )) s"
