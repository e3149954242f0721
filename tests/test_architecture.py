"""The house rules, checked on the code itself: one door to Docker, a CLI that speaks only to the API,
pure layers that never reach Docker, and no import circles."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "rmqlab"
DOOR = PACKAGE / "runtime" / "docker.py"
PURE = ("topology", "render", "lint", "remoting", "live", "experiment/check", "experiment/report", "faults.py")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_only_the_door_imports_a_docker_library():
    for name, path in _modules().items():
        if path == DOOR:
            continue
        bad = {i for i in _imports(path) if i.split(".")[0] in ("docker", "python_on_whales")}
        assert not bad, f"{name} imports {bad}: Docker is reached through rmqlab.runtime.docker only"


def test_only_the_door_runs_the_docker_cli():
    for name, path in _modules().items():
        if path == DOOR:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
                first = node.elts[0]
                assert not (isinstance(first, ast.Constant) and first.value in ("docker", "dockerd")), \
                    f"{name}:{node.lineno} builds a docker command line outside rmqlab.runtime.docker"


def test_ruff_bans_docker_libraries_outside_the_door():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "TID251", str(PACKAGE)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_cli_imports_only_the_api_and_its_own_helpers():
    for name, path in _modules().items():
        if not name.startswith("rmqlab.cli"):
            continue
        ours = {i for i in _imports(path) if i.startswith("rmqlab")}
        # The dashboard command starts the other face: its server entry point, nothing else of it.
        bad = {i for i in ours if not i.startswith(("rmqlab.api", "rmqlab.cli")) and i != "rmqlab.__version__"
               and i != "rmqlab" and not i.startswith("rmqlab.web.server")}
        assert not bad, f"{name} imports {bad}; the CLI calls rmqlab.api only"


def test_the_dashboard_imports_only_the_api_and_its_own_modules():
    web = [name for name in _modules() if name.startswith("rmqlab.web")]
    assert "rmqlab.web.app" in web
    for name in web:
        ours = {i for i in _imports(_modules()[name]) if i.startswith("rmqlab")}
        bad = {i for i in ours if not i.startswith(("rmqlab.api", "rmqlab.web"))}
        assert not bad, f"{name} imports {bad}; the dashboard calls rmqlab.api only"


WEB_STACK = ("starlette", "uvicorn", "sse_starlette", "anyio", "h11")


def test_only_the_dashboard_imports_the_web_stack():
    for name, path in _modules().items():
        if name.startswith("rmqlab.web"):
            continue
        bad = {i for i in _imports(path) if i.split(".")[0] in WEB_STACK}
        assert not bad, f"{name} imports {bad}; the web stack belongs to rmqlab.web"


def test_help_loads_no_web_stack():
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "rmqlab", "--help"], capture_output=True,
                          text=True, cwd=PACKAGE.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert "rmqlab" in loaded and not loaded & set(WEB_STACK), sorted(loaded & set(WEB_STACK))


# What `rmqlab --help` must not pay for: only typer and rich (which print the help) and the CLI's own modules
# load; every command imports its library code when it runs.
HEAVY_AT_HELP = ("docker", "python_on_whales", "yaml", "PIL", "pydantic", "rmqlab.lint.report", "rmqlab.lint.rules",
                 "rmqlab.lint.inputs", "rmqlab.lint.findings", "rmqlab.api.", "rmqlab.runtime", "rmqlab.render",
                 "rmqlab.remoting", "rmqlab.experiment", "rmqlab.image", "rmqlab.live", "rmqlab.web")


def test_help_loads_no_library_code_or_heavy_dependency():
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "rmqlab", "--help"], capture_output=True,
                          text=True, cwd=PACKAGE.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pitfall" in done.stdout and "kill" in done.stdout  # the whole command list was still printed
    loaded = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "rmqlab.cli.pitfall_cmds" in loaded and "typer" in loaded
    heavy = sorted(name for name in loaded if name.split(".")[0] in HEAVY_AT_HELP or name.startswith(HEAVY_AT_HELP))
    assert not heavy, f"rmqlab --help imports {heavy}; import them inside the command that needs them"


def test_pure_layers_never_reach_runtime_or_image():
    for name, path in _modules().items():
        relative = path.relative_to(PACKAGE).as_posix()
        if not relative.startswith(PURE):
            continue
        bad = {i for i in _imports(path) if i.startswith(("rmqlab.runtime", "rmqlab.image", "rmqlab.api",
                                                           "rmqlab.cli", "rmqlab.web"))}
        assert not bad, f"{name} is pure but imports {bad}"


def test_no_import_circles():
    modules = _modules()
    graph = {name: {i for i in _imports(path) if i in modules and i != name} for name, path in modules.items()}
    # A package's __init__ importing its own submodules is not a circle of meaning; skip those edges.
    for name in graph:
        graph[name] = {i for i in graph[name] if not i.startswith(name + ".")}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_an_engine_error_keeps_the_engine_s_code_apart_from_rmqlab_s_exit_code():
    from rmqlab.runtime.provider import EngineError

    error = EngineError("docker cp x:/f", 404, "Could not find the file /f")
    assert error.returncode == 404 and error.exit_code == 1
    assert str(error).startswith("`docker cp x:/f` failed (exit 404): Could not find")
