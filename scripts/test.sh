#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run every test tier.
# Idempotent: on a machine that already has the engine and the image it only runs the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e ".[dev]"
./scripts/setup-browser.sh
./scripts/setup-engine.sh
python3 -m rmqlab image build

# pytest's exit code, with 5 (no tests collected) turned into a failure.
run_pytest() {
  set +e
  python3 -m pytest "$@"
  local status=$?
  set -e
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure, not a pass." >&2
    return 1
  fi
  return "$status"
}

if [ "$#" -gt 0 ]; then  # what the caller asked for, as asked
  run_pytest "$@"
  exit $?
fi
# The pure tier mostly waits (fake clusters' timers), so two workers halve it. The integration tier runs alone:
# real clusters share 2 cores, and a second worker would stretch the failover timings they measure.
pure=0
run_pytest -m "not integration" -n 2 || pure=$?
integration=0
run_pytest -m integration --durations=25 || integration=$?
echo "pure tier: exit $pure; integration tier: exit $integration" >&2
[ "$pure" -eq 0 ] && [ "$integration" -eq 0 ]
