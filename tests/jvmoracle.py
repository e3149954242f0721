"""The real JDK as the oracle for property files: compile tests/jvm/LoadProperties.java once, feed it files."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SOURCES = sorted((Path(__file__).parent / "jvm").glob("*.java"))


@dataclass(frozen=True)
class JavaLoad:
    entries: dict[str, str] | None  # None when Java refused the file
    error: str | None  # "<exception class>: <message>"


def missing_jdk() -> str | None:
    """Why the oracle cannot run here, or None. Under CI=true the caller must fail, never skip."""
    for tool in ("javac", "java"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH"
    return None


def compile_oracle(workdir: Path) -> Path:
    classes = workdir / "classes"
    classes.mkdir(parents=True, exist_ok=True)
    subprocess.run(["javac", "-d", str(classes), *map(str, SOURCES)], check=True, capture_output=True, text=True)
    return classes


def java_parse_ints(classes: Path, texts: list[str]) -> list[tuple[int | None, int | None]]:
    """(Integer.parseInt, Long.parseLong) of each text; None where Java throws NumberFormatException."""
    lines = ["".join(f"{ord(c):04x}" for c in text) for text in texts]
    result = _java(classes, "ParseInts", "\n".join(lines) + "\n")
    rows = [line.split(" ") for line in result.splitlines()]
    assert len(rows) == len(texts)
    return [tuple(None if v == "refused" else int(v) for v in row) for row in rows]


def _java(classes: Path, main: str, stdin: str) -> str:
    result = subprocess.run(
        ["java", "-Xshare:auto", "-cp", str(classes), main],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    return result.stdout


def java_load_all(classes: Path, files: list[bytes], workdir: Path) -> list[JavaLoad]:
    folder = workdir / "inputs"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, data in enumerate(files):
        path = folder / f"{index}.properties"
        path.write_bytes(data)
        paths.append(str(path))
    lines = _java(classes, "LoadProperties", "\n".join(paths) + "\n").splitlines()
    assert len(lines) == len(files)
    return [_parse(line) for line in lines]


def _parse(line: str) -> JavaLoad:
    if line.startswith("ERR "):
        return JavaLoad(None, line[4:])
    entries = {}
    for item in line.split(" ")[1:]:
        key, _, value = item.partition(":")
        entries[_unhex(key)] = _unhex(value)
    return JavaLoad(entries, None)


def _unhex(text: str) -> str:
    """One char per UTF-16 code unit, as Java holds it (a surrogate pair stays two chars)."""
    return "".join(chr(int(text[i : i + 4], 16)) for i in range(0, len(text), 4))
