#!/usr/bin/env bash
# Debian's Chromium and its matching chromedriver, for the dashboard's browser tests (Selenium drives this
# system browser; no browser is ever downloaded). Idempotent and quiet: does nothing when both are there.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "No chromium/chromedriver and no apt-get: install Chromium and its chromedriver by hand." >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
