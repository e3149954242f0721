#!/usr/bin/env bash
# Set up what is missing, then bring the default 2m2s-sync cluster up and show it.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e .
./scripts/setup-engine.sh
python3 -m rmqlab up "$@"
# status shows the cluster up just started: the --name among the arguments, else RMQLAB_CLUSTER or the default
name=${RMQLAB_CLUSTER:-rmqlab}
previous=
for arg in "$@"; do
  case $previous in --name|-n) name=$arg ;; esac
  case $arg in --name=*) name=${arg#--name=} ;; esac
  previous=$arg
done
python3 -m rmqlab status --name "$name"
