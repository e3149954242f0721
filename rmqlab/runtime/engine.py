"""The door to Docker: one SDK client, one compose runner, errors that say what to do."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rmqlab.errors import RmqlabError

ENGINE_HINT = "Start Docker, or run ./scripts/setup-engine.sh (installs and starts an engine on Debian)."


@lru_cache(maxsize=None)
def api():
    """The Docker SDK client (direct API calls: cheap enough to use inside a fault schedule)."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except DockerException as error:
        raise RmqlabError(f"No Docker engine answers ({_first_line(error)}).", hint=ENGINE_HINT) from None
    return client


def compose(compose_file: Path, project: str):
    """python-on-whales bound to one cluster's compose file and project."""
    from python_on_whales import DockerClient

    return DockerClient(compose_files=[compose_file], compose_project_name=project)


def compose_error(error: Exception, doing: str) -> RmqlabError:
    """Turn a failed `docker compose` call into one error with the part of stderr that matters."""
    stderr = getattr(error, "stderr", "") or str(error)
    lines = [line for line in str(stderr).splitlines() if line.strip()]
    detail = lines[-1] if lines else str(error)
    hint = "See `docker compose ls` and `rmqlab status`."
    if "Pool overlaps" in detail:
        hint = "Another Docker network uses this subnet: pick another --name or pass --subnet."
    elif "port is already allocated" in detail or "address already in use" in detail:
        hint = "Another program holds one of the 127.0.0.1 ports: pick another --name or pass --port-base."
    return RmqlabError(f"{doing} failed: {detail}", hint=hint)


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
