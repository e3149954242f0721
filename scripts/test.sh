#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run every test tier.
# Idempotent: on a machine that already has the engine and the image it only runs the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e ".[dev]"
./scripts/setup-browser.sh
./scripts/setup-engine.sh
python3 -m rmqlab image build

set +e
python3 -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass." >&2
  exit 1
fi
exit "$status"
