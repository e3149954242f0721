"""Extract the config keys each RocketMQ version really reads, from its own jars.

    python -m rmqlab.image.keys --version 5.5.0     # writes rmqlab/data/keys/5.5.0/*.tsv and *.txt

RocketMQ maps a properties file onto config objects with MixAll.properties2Object, which calls
every public one-argument setter of a simple type and ignores every other key without a word.
tools/ListKeys.java applies the same rule by reflection to the classes each startup class feeds
(checked in the bytecode of BrokerStartup, NamesrvStartup and ControllerStartup of 4.9.7, 5.5.0
and 5.5.1, and in the 4.7.0 sources of BrokerStartup and NamesrvStartup, which feed the same
classes as 4.9.7) and prints key, type, default, classes. Runs on the host JDK; no Docker.

Defaults that depend on the machine are marked: the tool runs twice (1 CPU and a 256m heap,
16 CPUs and a 2g heap) and a default that differs between the runs is written as
`<machine: A (1 CPU/256m) / B (16 CPUs/2g)>`; the host's own name or address as `<this host>`;
user.home as `${user.home}`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rmqlab.errors import RmqlabError
from rmqlab.image.jars import GROUP, cache_root, maven_error, published
from rmqlab.topology.versions import DEFAULT_VERSION, honours_ha_listen_port, is_5x, parse_version

TOOL = Path(__file__).with_name("tools") / "ListKeys.java"
DATA = Path(__file__).resolve().parent.parent / "data" / "keys"

_COMMON = "org.apache.rocketmq.common."
_NETTY = "org.apache.rocketmq.remoting.netty."
_STORE = "org.apache.rocketmq.store.config.MessageStoreConfig"
_AUTH = "?org.apache.rocketmq.auth.config.AuthConfig"
_JRAFT = "?" + _COMMON + "JraftConfig"

# Which objects each startup class hands the properties to (from the bytecode, per line).
KINDS_4X = {
    "broker": (_COMMON + "BrokerConfig", _NETTY + "NettyServerConfig", _NETTY + "NettyClientConfig", _STORE),
    # 4.9.x NamesrvStartup: NamesrvConfig and NettyServerConfig only (no client config).
    "namesrv": (_COMMON + "namesrv.NamesrvConfig", _NETTY + "NettyServerConfig"),
}
KINDS_5X = {
    "broker": KINDS_4X["broker"] + (_AUTH,),
    # The embedded controller (enableControllerInNamesrv) reads the same file.
    "namesrv": (_COMMON + "namesrv.NamesrvConfig", _NETTY + "NettyServerConfig", _NETTY + "NettyClientConfig",
                _COMMON + "ControllerConfig", _JRAFT),
    "controller": (_COMMON + "ControllerConfig", _JRAFT, _NETTY + "NettyServerConfig", _NETTY + "NettyClientConfig"),
}
# The jars holding those classes (and nothing that would need the rest of RocketMQ).
ARTIFACTS = ("rocketmq-common", "rocketmq-remoting", "rocketmq-store")
OPTIONAL_5X = ("rocketmq-auth",)
MACHINES = (("1", "256m"), ("16", "2g"))
# What the startup classes put into a key around reading the file (from their bytecode in 4.9.7
# and 5.5.0, and the 4.7.0 sources): the class default the tool reports is not what a started
# process uses. haListenPort depends on the version (see startup_default).
STARTUP = {
    ("broker", "listenPort"): "10911 (set by BrokerStartup)",
    ("namesrv", "listenPort"): "9876 (set by NamesrvStartup)",
    ("controller", "listenPort"): "19876 (set by ControllerStartup)",
}
HA_FORCED = "listenPort+1 (forced by BrokerStartup: a configured value is overwritten)"
HA_DEFAULTED = "listenPort+1 (set by BrokerStartup when not configured or <= 0)"


@dataclass(frozen=True)
class KeyRow:
    key: str
    type: str
    default: str
    classes: str


def kinds(version: str) -> dict[str, tuple[str, ...]]:
    return KINDS_5X if is_5x(version) else KINDS_4X


def parse_rows(text: str) -> list[KeyRow]:
    rows = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, type_, default, classes = line.split("\t")
            rows.append(KeyRow(key, type_, default, classes))
    return rows


def merge_machines(runs: list[list[KeyRow]]) -> list[KeyRow]:
    """One row per key; a default that differs between the machine runs is marked as such."""
    first, second = runs
    other = {row.key: row for row in second}
    merged = []
    for row in first:
        twin = other.get(row.key)
        default = row.default
        if twin is not None and twin.default != row.default:
            (cpu_a, heap_a), (cpu_b, heap_b) = MACHINES
            default = (f"<machine: {row.default} ({cpu_a} CPU/{heap_a}) / "
                       f"{twin.default} ({cpu_b} CPUs/{heap_b})>")
        merged.append(KeyRow(row.key, row.type, default, row.classes))
    return merged


def startup_default(version: str, kind: str, key: str) -> str | None:
    if (kind, key) == ("broker", "haListenPort"):
        return HA_DEFAULTED if honours_ha_listen_port(version) else HA_FORCED
    return STARTUP.get((kind, key))


def apply_startup(version: str, kind: str, rows: list[KeyRow]) -> list[KeyRow]:
    return [KeyRow(r.key, r.type, startup_default(version, kind, r.key) or r.default, r.classes) for r in rows]


def render_tsv(version: str, kind: str, rows: list[KeyRow], note: str = "") -> str:
    head = [f"# RocketMQ {version} {kind}: keys MixAll.properties2Object sets (others are ignored silently).",
            f"# Regenerate: python -m rmqlab.image.keys --version {version}"]
    if note:
        head.append(f"# {note}")
    head.append("# key\ttype\tdefault\tclasses")
    return "\n".join(head) + "\n" + "".join(f"{r.key}\t{r.type}\t{r.default}\t{r.classes}\n" for r in rows)


def render_txt(rows: list[KeyRow]) -> str:
    return "".join(f"{row.key}\n" for row in rows)


def _resolve(version: str) -> tuple[Path, str]:
    """Jars with the config classes of `version`, in their own cache; returns (dir, note)."""
    target = cache_root() / "jars" / version / "keys-lib"
    note_file = target / ".note"
    if note_file.is_file():
        return target, note_file.read_text().strip()
    if shutil.which("mvn") is None:
        raise RmqlabError("`mvn` is needed to fetch RocketMQ's jars.", hint="apt-get install maven")
    wanted = [(a, version) for a in ARTIFACTS]
    note = ""
    if is_5x(version):
        for artifact in OPTIONAL_5X:
            found = next((v for v in dict.fromkeys((version, DEFAULT_VERSION)) if published(artifact, v)), None)
            if found is None:
                note = f"{artifact} is not on Maven Central for {version}: its config class is left out."
                continue
            if found != version:
                note = f"{artifact} {version} is not on Maven Central; its config class is taken from {found}."
            wanted.append((artifact, found))
    with tempfile.TemporaryDirectory(prefix="keys-", dir=_mkdir(target.parent)) as tmp:
        pom = Path(tmp) / "pom.xml"
        deps = "".join(f"<dependency><groupId>{GROUP}</groupId><artifactId>{a}</artifactId><version>{v}</version>"
                       "</dependency>" for a, v in wanted)
        pom.write_text('<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
                       "<groupId>rmqlab</groupId><artifactId>rocketmq-keys</artifactId><version>1</version>"
                       f"<packaging>pom</packaging><dependencies>{deps}</dependencies></project>")
        out = Path(tmp) / "lib"
        done = subprocess.run(["mvn", "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
                               "-DincludeScope=runtime", f"-DoutputDirectory={out}"],
                              capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise maven_error(version, done.stdout + done.stderr)
        (out / ".note").write_text(note + "\n")
        if target.exists():
            shutil.rmtree(target)
        out.rename(target)
    return target, note


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _compile(workdir: Path) -> Path:
    if shutil.which("javac") is None:
        raise RmqlabError("`javac` is needed to build the key lister.", hint="Install a JDK (openjdk-17-jdk-headless).")
    classes = workdir / "classes"
    classes.mkdir()
    done = subprocess.run(["javac", "--release", "11", "-d", str(classes), str(TOOL)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RmqlabError(f"javac failed:\n{done.stderr[-2000:]}", hint=f"Fix {TOOL}.")
    return classes


def list_keys(lib: Path, classes: Path, class_names: tuple[str, ...], cpus: str, heap: str) -> list[KeyRow]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    if os.environ.get("JAVA_HOME"):
        env["JAVA_HOME"] = os.environ["JAVA_HOME"]
    argv = ["java", f"-XX:ActiveProcessorCount={cpus}", f"-Xmx{heap}", "-Duser.home=/home/rocketmq",
            "-cp", f"{classes}{os.pathsep}{lib}/*", "ListKeys", *class_names]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    if done.returncode != 0:
        raise RmqlabError(f"ListKeys failed:\n{done.stderr[-2000:]}", hint="Check that the jars resolved completely.")
    return parse_rows(done.stdout)


def generate(version: str, out_dir: Path = DATA, say=print) -> dict[str, Path]:
    """Write <out_dir>/<version>/<kind>.tsv and .txt for every kind of `version`."""
    parse_version(version)
    lib, note = _resolve(version)
    written = {}
    with tempfile.TemporaryDirectory(prefix="listkeys-") as tmp:
        classes = _compile(Path(tmp))
        target = out_dir / version
        target.mkdir(parents=True, exist_ok=True)
        for kind, class_names in kinds(version).items():
            runs = [list_keys(lib, classes, class_names, cpus, heap) for cpus, heap in MACHINES]
            rows = apply_startup(version, kind, merge_machines(runs))
            tsv = target / f"{kind}.tsv"
            tsv.write_text(render_tsv(version, kind, rows, note))
            (target / f"{kind}.txt").write_text(render_txt(rows))
            written[kind] = tsv
            say(f"{tsv}: {len(rows)} keys")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rmqlab.image.keys", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="append", help=f"RocketMQ version (repeatable; default {DEFAULT_VERSION})")
    parser.add_argument("--out", type=Path, default=DATA, help="data directory (default: the package's data/keys)")
    args = parser.parse_args(argv)
    try:
        for version in args.version or [DEFAULT_VERSION]:
            generate(version, args.out)
    except RmqlabError as error:
        print(f"Error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
