"""Turn lint's command-line arguments into hosts with files, memory and heaps."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rmqlab.errors import BadInput
from rmqlab.lint.inputs import Host, hosts_from_folder, load_file, parse_size_mb


def collect_hosts(paths: list[Path], host_args: list[str], memory_args: list[str], heap_args: list[str]) -> list[Host]:
    heaps = _pairs(heap_args, "--heap", "FILE=512m")
    groups: list[tuple[str, list[Path]]] = []
    for arg in host_args:
        name, files = _split(arg, "--host", "HOST=FILE[,FILE...]")
        groups.append((name, [Path(f) for f in files.split(",") if f]))
    folders = [p for p in paths if p.is_dir()]
    files = [p for p in paths if not p.is_dir()]
    for folder in folders:
        groups.extend(hosts_from_folder(folder))
    if files:
        groups.append(("host", files))
    if not groups:
        raise BadInput("Nothing to lint.", hint="Give files, a folder, or --host HOST=FILE,FILE.")
    hosts = [Host(name, tuple(load_file(p, _heap_for(p, heaps)) for p in paths),
                  proxies=_proxies_beside(paths, folders)) for name, paths in groups]
    return _with_memory(hosts, memory_args)


def _proxies_beside(paths: list[Path], folders: list[Path]) -> tuple:
    """A linted folder's proxy JSON configs belong to the host whose .properties sit beside them."""
    from rmqlab.lint.proxyfile import proxy_files_in

    parent = paths[0].parent if paths else None
    if parent is None or not any(parent == f or parent.parent == f for f in folders):
        return ()
    return proxy_files_in(parent)


def _heap_for(path: Path, heaps: dict[str, str]) -> int | None:
    for key in (str(path), path.name, path.stem):
        if key in heaps:
            return parse_size_mb(heaps[key])
    return None


def _with_memory(hosts: list[Host], memory_args: list[str]) -> list[Host]:
    default = None
    per_host = {}
    for arg in memory_args:
        if "=" in arg:
            name, size = _split(arg, "--memory", "HOST=8g")
            per_host[name] = parse_size_mb(size)
        else:
            default = parse_size_mb(arg)
    unknown = set(per_host) - {h.name for h in hosts}
    if unknown:
        raise BadInput(f"--memory names unknown host(s): {', '.join(sorted(unknown))}.")
    return [replace(h, memory_mb=per_host.get(h.name, default)) for h in hosts]


def _split(arg: str, option: str, form: str) -> tuple[str, str]:
    name, eq, rest = arg.partition("=")
    if not eq or not name or not rest:
        raise BadInput(f"{option} {arg!r} is not of the form {form}.")
    return name, rest


def _pairs(args: list[str], option: str, form: str) -> dict[str, str]:
    return dict(_split(a, option, form) for a in args)
