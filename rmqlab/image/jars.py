"""RocketMQ's runtime jars, resolved from Maven Central with `mvn` and cached per version.

`lib_dir(version)` returns ~/.cache/rmqlab/jars/<version>/lib, resolving it on first use:
a throw-away pom that depends on the role artifacts, then `mvn dependency:copy-dependencies`.
The finished directory carries a manifest (name, size, sha256 of every jar) that the image's
content hash is computed from, so a warm build never re-reads 100 MB of jars.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rmqlab.errors import RmqlabError
from rmqlab.topology.versions import DEFAULT_VERSION, NEWEST_4X_ON_MAVEN, is_5x, parse_version

GROUP = "org.apache.rocketmq"
MANIFEST = "jars.tsv"
# The 5.x proxy's extra jars live apart, in lib/proxy/ (rmqlab.image.proxyjars), so this set and the
# AppCDS archives dumped with it stay the same with or without a proxy.
ARTIFACTS_4X = ("rocketmq-namesrv", "rocketmq-broker", "rocketmq-tools")
ARTIFACTS_5X = ARTIFACTS_4X + ("rocketmq-controller",)

# Maven words a missing artifact in several ways ("Could not find artifact", "Failure to find",
# "... was not found in ... during a previous attempt", "The following artifacts could not be
# resolved: a, b, c"); any of them, plus the coordinates of the version asked for, is enough.
_MISSING_WORDS = re.compile(r"Could not find artifact|Failure to find|was not found|could not be resolved")


def _missing_artifacts(version: str, output: str) -> list[str]:
    if not _MISSING_WORDS.search(output):
        return []
    coordinates = re.compile(re.escape(GROUP) + r":([\w.-]+):(?:jar|pom):" + re.escape(version) + r"\b")
    return sorted(set(coordinates.findall(output)))


@dataclass(frozen=True)
class Jar:
    name: str
    size: int
    sha256: str


def cache_root() -> Path:
    return Path(os.environ.get("RMQLAB_CACHE", Path.home() / ".cache" / "rmqlab"))


def artifacts(version: str) -> tuple[str, ...]:
    return ARTIFACTS_5X if is_5x(version) else ARTIFACTS_4X


def pom_text(version: str, artifacts_wanted: tuple[str, ...] | None = None) -> str:
    """A pom whose runtime dependencies are exactly the jars every role of `version` needs (or the
    artifacts named)."""
    deps = "".join(
        f"\n    <dependency><groupId>{GROUP}</groupId><artifactId>{a}</artifactId>"
        f"<version>{version}</version></dependency>"
        for a in (artifacts_wanted or artifacts(version))
    )
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        "  <modelVersion>4.0.0</modelVersion>\n"
        "  <groupId>rmqlab</groupId><artifactId>rocketmq-jars</artifactId><version>1</version>\n"
        f"  <packaging>pom</packaging>\n  <dependencies>{deps}\n  </dependencies>\n</project>\n"
    )


def lib_dir(version: str, progress: Callable[[str], None] | None = None) -> Path:
    """The cached lib/ of `version`, resolved with Maven the first time."""
    parse_version(version)
    final = cache_root() / "jars" / version / "lib"
    if (final / MANIFEST).is_file():
        return final

    def finish(lib: Path) -> None:
        check_logging(version, lib)

    return resolve_into(final, version, pom_text(version), artifacts(version), finish, progress)


def resolve_into(final: Path, version: str, pom: str, named: tuple[str, ...], finish: Callable[[Path], None],
                 progress: Callable[[str], None] | None = None) -> Path:
    """Resolve `pom`'s runtime jars with Maven into `final` (replaced atomically, with a manifest);
    `finish` may check or trim the jars first."""
    say = progress or (lambda _line: None)
    if shutil.which("mvn") is None:
        raise RmqlabError(
            f"RocketMQ {version}'s jars are not cached and `mvn` is not installed.",
            hint="Install Maven and a JDK (Debian: apt-get install maven openjdk-17-jdk-headless), then retry.",
        )
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="resolve-", dir=final.parent) as tmp:
        work = Path(tmp)
        (work / "pom.xml").write_text(pom)
        say(f"Resolving RocketMQ {version} jars with Maven ({', '.join(named)})")
        cmd = ["mvn", "-q", "-B", "-f", str(work / "pom.xml"), "dependency:copy-dependencies",
               "-DincludeScope=runtime", f"-DoutputDirectory={work / 'lib'}"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        except subprocess.TimeoutExpired:
            raise RmqlabError(f"Maven did not resolve RocketMQ {version} within 30 minutes.",
                              hint="Check that `mvn` can reach its repository, then retry.") from None
        if done.returncode != 0:
            output = done.stdout + done.stderr
            known = published("rocketmq-common", version) if _missing_artifacts(version, output) else None
            raise maven_error(version, output, known)
        lib = work / "lib"
        finish(lib)
        write_manifest(lib)
        if final.exists():
            shutil.rmtree(final)
        lib.rename(final)
    return final


def maven_error(version: str, output: str, anything_published: bool | None = None) -> RmqlabError:
    """Turn Maven's failure into a sentence: which RocketMQ artifacts are missing, and what to use.

    anything_published: whether Maven Central has any RocketMQ artifact of `version` (None: unknown).
    """
    missing = _missing_artifacts(version, output)
    if not missing:
        tail = "\n".join(line for line in output.strip().splitlines()[-6:])
        return RmqlabError(f"Maven could not resolve RocketMQ {version}:\n{tail}",
                           hint="Run `mvn -v` and check that it can reach its repository, then retry.")
    line = parse_version(version)[0]
    suggestion = NEWEST_4X_ON_MAVEN if line == 4 else DEFAULT_VERSION
    names = ", ".join(f"{artifact}:{version}" for artifact in missing)
    if anything_published is False:
        what = f"RocketMQ {version} is not on Maven Central ({names} not found)"
    else:
        what = f"RocketMQ {version} is only partly on Maven Central ({names} not found)"
    return RmqlabError(
        f"{what}, so no image can be built from its jars.",
        hint=f"Use {suggestion} (--version {suggestion}), the newest {line}.x "
             "whose jars Maven Central serves complete.",
    )


def published(artifact: str, version: str) -> bool:
    """Whether Maven Central (through the local `mvn`) has `artifact` at `version`."""
    done = subprocess.run(["mvn", "-q", "-B", "dependency:get", f"-Dartifact={GROUP}:{artifact}:{version}:pom",
                           "-Dtransitive=false"], capture_output=True, text=True, timeout=600)
    return done.returncode == 0


def check_logging(version: str, lib: Path) -> None:
    """Exactly one SLF4J binding: 4.9.x casts the logger factory to logback's LoggerContext."""
    bindings = [jar.name for jar in sorted(lib.glob("*.jar")) if _is_slf4j_binding(jar)]
    if len(bindings) == 1:
        return
    raise RmqlabError(
        f"RocketMQ {version}'s jars carry {len(bindings)} SLF4J bindings ({', '.join(bindings) or 'none'}); "
        "exactly one is needed.",
        hint="Report this with the version: the jar list needs an exclusion.",
    )


def _is_slf4j_binding(jar: Path) -> bool:
    try:
        with zipfile.ZipFile(jar) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return ("org/slf4j/impl/StaticLoggerBinder.class" in names
            or "META-INF/services/org.slf4j.spi.SLF4JServiceProvider" in names)


def write_manifest(lib: Path) -> None:
    lines = []
    for jar in sorted(lib.glob("*.jar")):
        digest = hashlib.sha256(jar.read_bytes()).hexdigest()
        lines.append(f"{jar.name}\t{jar.stat().st_size}\t{digest}\n")
    (lib / MANIFEST).write_text("".join(lines))


def read_manifest(lib: Path) -> list[Jar]:
    jars = []
    for line in (lib / MANIFEST).read_text().splitlines():
        name, size, digest = line.split("\t")
        jars.append(Jar(name, int(size), digest))
    return jars
