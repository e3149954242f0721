"""Every `docker` call of the image builder goes through `docker()`: one place that runs the
CLI, bounds it in time and turns a failure into an RmqlabError carrying the command and stderr.

The CLI (not the SDK) keeps a warm `build_image` to a few `docker image inspect` calls that
start in milliseconds, and lets `docker build` stream its own progress.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence

from rmqlab.errors import RmqlabError

ENGINE_HINT = "Start Docker, or run ./scripts/setup-engine.sh (installs and starts an engine on Debian)."


class DockerFailed(RmqlabError):
    """A docker command exited non-zero; `.stderr` holds what it said."""

    def __init__(self, argv: Sequence[str], code: int, stderr: str, hint: str | None = None):
        tail = "\n".join(line for line in stderr.strip().splitlines()[-8:])
        super().__init__(f"`{' '.join(argv[:3])} …` failed (exit {code}): {tail}", hint=hint)
        self.argv = list(argv)
        self.code = code
        self.stderr = stderr


def docker(
    *args: str,
    input: bytes | None = None,
    timeout: float | None = 120,
    check: bool = True,
    hint: str | None = None,
) -> subprocess.CompletedProcess:
    """Run `docker *args`, capturing output as text (stdout stays bytes when `input` is bytes)."""
    if shutil.which("docker") is None:
        raise RmqlabError("The `docker` command is not installed.", hint=ENGINE_HINT)
    argv = ["docker", *args]
    try:
        done = subprocess.run(argv, input=input, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RmqlabError(f"`{' '.join(argv[:3])} …` did not finish within {timeout:.0f} s.", hint=hint) from None
    stderr = done.stderr.decode(errors="replace")
    if check and done.returncode != 0:
        if "Cannot connect to the Docker daemon" in stderr or "Is the docker daemon running" in stderr:
            raise RmqlabError("No Docker engine answers.", hint=ENGINE_HINT)
        raise DockerFailed(argv, done.returncode, stderr, hint=hint)
    return subprocess.CompletedProcess(argv, done.returncode, done.stdout.decode(errors="replace"), stderr)


def docker_streaming(*args: str, progress: Callable[[str], None], timeout: float = 3600, hint: str | None = None,
                     stdin: int | None = None) -> None:
    """Run a long docker command (build, import), passing each output line to `progress`."""
    if shutil.which("docker") is None:
        raise RmqlabError("The `docker` command is not installed.", hint=ENGINE_HINT)
    argv = ["docker", *args]
    tail: list[str] = []
    with subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            tail = (tail + [line])[-30:]
            progress(line)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise RmqlabError(f"`{' '.join(argv[:2])}` did not finish within {timeout:.0f} s.", hint=hint) from None
    if code != 0:
        raise DockerFailed(argv, code, "\n".join(tail), hint=hint)


def image_id(reference: str) -> str | None:
    """The local image ID of `reference`, or None when the engine does not have it."""
    done = docker("image", "inspect", "--format", "{{.Id}}", reference, check=False, timeout=30)
    if done.returncode == 0:
        return done.stdout.strip()
    if "No such image" in done.stderr or "No such object" in done.stderr:
        return None
    if "Cannot connect to the Docker daemon" in done.stderr:
        raise RmqlabError("No Docker engine answers.", hint=ENGINE_HINT)
    raise DockerFailed(["docker", "image", "inspect", reference], done.returncode, done.stderr)
