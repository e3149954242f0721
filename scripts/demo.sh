#!/usr/bin/env bash
# Set up what is missing, then bring the default 2m2s-sync cluster up and show it.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e .
./scripts/setup-engine.sh
python3 -m rmqlab up "$@"
python3 -m rmqlab status
