"""The Docker build context of a RocketMQ image, as pure data.

`render_context` returns every file except the jars (path -> bytes and mode); the jars are
described by the lib manifest. `content_hash` covers those bytes, the jar manifest and the
base image ID, so the same inputs always give the same tag and a changed launcher, logging
config, jar or base gives a new one. Writing the context to disk is a separate step.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rmqlab.image import launcher, logconf, logfilter
from rmqlab.image.jars import Jar
from rmqlab.topology.versions import is_5x, netty_40, parse_version

FORMAT = 1  # bump when the meaning of the context changes without its bytes changing
LAUNCHERS = ("mqnamesrv", "mqbroker", "mqadmin", "mqshutdown", "rmq-cds-train.sh", "rmq-delay")
LAUNCHERS_5X = ("mqcontroller", "mqproxy", "rmq-cds-train-proxy.sh")
# What the official distribution ships as conf/rmq-proxy.json: the proxy's config when none is named with -pc
# (rmqlab's rendered clusters always name one).
DEFAULT_PROXY_JSON = '{\n  "rocketMQClusterName": "DefaultCluster"\n}\n'
PROXY_LIB = "lib/proxy"
# 4.9.x unmaps files through jdk.internal.ref.Cleaner and DirectByteBuffer by reflection (on every
# graceful stop, in StoreCheckpoint.shutdown); without these opens Java 17 refuses it.
# 4.7.0 needs java.nio opened even to start: Netty 4.0's PlatformDependent0 reads Buffer.address
# by reflection, and without it the broker exits 255 (NoClassDefFoundError), checked on 17.0.15.
OPENS_4X = ("--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED")
# Both lines cast to sun.nio.ch.DirectBuffer when warmMapedFileEnable/transientStorePoolEnable are on.
EXPORTS = ("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",)
# 5.x controllers (standalone or in the name server) build a Hessian SerializerFactory, which
# reflects into java.lang.StackTraceElement and prints stack traces at start-up without this.
CONTROLLER_OPENS_5X = ("--add-opens=java.base/java.lang=ALL-UNNAMED",)
# Netty 4.0 (RocketMQ 4.7.0) swaps the selector's key set by reflection; without this it logs an
# InaccessibleObjectException per event loop and falls back to the slower stock set.
NETTY40_OPENS = ("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",)
# Netty 4.0 cannot make the self-signed certificate of the default permissive TLS mode on Java 17
# (its sun.security.x509 path needs a JDK field that is gone, and 4.7.0 ships no BouncyCastle), so
# every server logged "Failed to create SSLContext" with a stack trace and ran without TLS anyway.
# Disabled says so without the trace; plain connections work as before, a TLS hello is closed
# either way (NettyRemotingServer.HandshakeHandler).
NETTY40_TLS_OFF = ("-Dtls.server.mode=disabled",)
_PLACEHOLDER = re.compile(r"@[A-Z0-9_]+@")


@dataclass(frozen=True)
class ContextFile:
    data: bytes
    mode: int = 0o644


def _template(name: str) -> str:
    return (resources.files("rmqlab.image") / "files" / name).read_text()


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    left = _PLACEHOLDER.findall(text)
    if left:
        raise ValueError(f"unfilled placeholders {left}")
    return text


def roles(version: str) -> tuple[str, ...]:
    return ("namesrv", "broker", "controller", "tools", "proxy") if is_5x(version) else ("namesrv", "broker", "tools")


def jdk9_flags(version: str) -> tuple[str, ...]:
    """What `version` needs on Java 9 and later (none of it is accepted or needed on Java 8)."""
    if is_5x(version):
        return EXPORTS
    if netty_40(version):
        return (*OPENS_4X, *NETTY40_OPENS, *EXPORTS, *NETTY40_TLS_OFF)
    return (*OPENS_4X, *EXPORTS)


def launcher_common(version: str) -> str:
    """bin/rmq-java.sh for `version`: the module flags and the logging switch differ by line."""
    jdk9 = jdk9_flags(version)
    role_opts = ("-Drmq.logback.configurationFile=$ROCKETMQ_HOME/conf/rmq.$rmq_role.logback.xml"
                 if is_5x(version) else "-Drocketmq.home.dir=$ROCKETMQ_HOME")
    controller = CONTROLLER_OPENS_5X if is_5x(version) else ()
    return _fill(_template("bin/rmq-java.sh"),
                 {"VERSION": version, "JDK9_OPTS": " ".join(jdk9), "JDK9_CONTROLLER_OPTS": " ".join(controller),
                  "ROLE_OPTS": role_opts})


# The AppCDS training run (bin/rmq-cds-train.sh), as the image's user so that the archives and
# whatever it leaves behind belong to it; it cleans its store and logs up.
CDS_STEP = (
    "# One AppCDS archive per role, dumped by a short training run on loopback (see the script).\n"
    "USER 3000:3000\n"
    'RUN sh "$ROCKETMQ_HOME/bin/rmq-cds-train.sh"\n'
)
# 5.x: the proxy's archive in a step of its own, after the other roles' (their layer stays cached).
CDS_PROXY_STEP = 'RUN sh "$ROCKETMQ_HOME/bin/rmq-cds-train-proxy.sh"\n'


def dockerfile(version: str, base_ref: str, cds: str | None = None) -> str:
    if cds is None:
        cds = CDS_STEP + (CDS_PROXY_STEP if is_5x(version) else "")
    return _fill(_template("Dockerfile.in"), {"VERSION": version, "BASE": base_ref, "CDS": cds})


def render_context(version: str, base_ref: str) -> dict[str, ContextFile]:
    """Every context file but the jars, keyed by relative path (deterministic for its inputs)."""
    parse_version(version)
    line = 5 if is_5x(version) else 4
    files = {"Dockerfile": ContextFile(dockerfile(version, base_ref).encode()),
             "bin/rmq-java.sh": ContextFile(launcher_common(version).encode())}
    for name in LAUNCHERS + (LAUNCHERS_5X if line == 5 else ()):
        files[f"bin/{name}"] = ContextFile(_template(f"bin/{name}").encode(), 0o755)
    for role in roles(version):
        files[f"conf/{logconf.config_name(role, line)}"] = ContextFile(logconf.logback_xml(role).encode())
    files["lib/rmqlab-keylines.jar"] = ContextFile(logfilter.jar_bytes(version))
    files["lib/rmqlab-launch.jar"] = ContextFile(launcher.jar_bytes())  # DLedger timing (--set dledger:...)
    if line == 5:
        files["conf/rmq-proxy.json"] = ContextFile(DEFAULT_PROXY_JSON.encode())
    return dict(sorted(files.items()))


def content_hash(files: dict[str, ContextFile], jars: list[Jar], base_id: str) -> str:
    digest = hashlib.sha256()
    digest.update(f"rmqlab-image-context {FORMAT}\nbase {base_id}\n".encode())
    for path, item in sorted(files.items()):
        digest.update(f"file {path} {item.mode:o} {len(item.data)}\n".encode())
        digest.update(item.data)
    for jar in sorted(jars, key=lambda j: j.name):
        digest.update(f"jar {jar.name} {jar.size} {jar.sha256}\n".encode())
    return digest.hexdigest()


def proxy_jars(jars: list[Jar]) -> list[Jar]:
    """The proxy's jars as the content hash names them: under lib/proxy/, apart from lib/'s."""
    return [Jar(f"proxy/{jar.name}", jar.size, jar.sha256) for jar in jars]


def write_context(target: Path, files: dict[str, ContextFile], lib: Path, proxy_lib: Path | None = None) -> None:
    """Materialise the context under `target`: the files, and lib/ (and lib/proxy/) as hard links to the cache."""
    if target.exists():
        shutil.rmtree(target)
    for path, item in files.items():
        dest = target / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(item.data)
        dest.chmod(item.mode)
    _link_jars(lib, target / "lib")
    if proxy_lib is not None:
        _link_jars(proxy_lib, target / PROXY_LIB)


def _link_jars(source: Path, dest_dir: Path) -> None:
    dest_dir.mkdir(parents=True, exist_ok=True)
    for jar in sorted(source.glob("*.jar")):
        dest = dest_dir / jar.name
        try:
            os.link(jar, dest)
        except OSError:
            shutil.copy2(jar, dest)
