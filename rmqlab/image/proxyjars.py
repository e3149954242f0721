"""The RocketMQ 5 proxy's own jars: what rocketmq-proxy needs beyond every other role's set.

`proxy_lib_dir(version)` returns ~/.cache/rmqlab/jars/<version>/proxy-lib, resolved on first use.
The image puts these jars in lib/proxy/: a class path wildcard (lib/*) does not descend into
folders, so the class path of the name server, broker, controller and tools, and the AppCDS
archives dumped with it, stay exactly what they are without a proxy. Only the proxy's launcher
(mqproxy, and mqbroker --enable-proxy) puts lib/proxy/* in front of lib/*.

For 5.5.0 that is 14 jars, about 8 MB (gRPC's protobuf and services modules, netty-tcnative, the
proxy itself): the broker's set already holds gRPC's core, Netty and OpenTelemetry.

They are resolved together with every role's artifacts, so Maven mediates one version of each
library both sets share. A jar Maven then picks in another version than lib/ holds is left out
(the lib/ one serves both: one JVM loads one class of a name); for 5.5.0 that is only
error_prone_annotations, annotations that do nothing at run time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from rmqlab.image import jars
from rmqlab.topology.versions import is_5x, parse_version

PROXY_ARTIFACT = "rocketmq-proxy"
LEFT_OUT = "left-out.txt"  # jars of the combined set that lib/ has in another version
_VERSIONED = re.compile(r"^(?P<artifact>.+?)-(?P<version>\d[\w.+-]*)\.jar$")


def proxy_lib_dir(version: str, progress: Callable[[str], None] | None = None) -> Path:
    """The cached proxy-only jars of a 5.x `version` (resolving lib/ first if needed)."""
    parse_version(version)
    if not is_5x(version):
        raise ValueError(f"RocketMQ {version} has no proxy")
    final = jars.cache_root() / "jars" / version / "proxy-lib"
    if (final / jars.MANIFEST).is_file():
        return final
    base = jars.lib_dir(version, progress)
    named = (*jars.artifacts(version), PROXY_ARTIFACT)

    def keep_only_extras(lib: Path) -> None:
        left_out = trim_to_extras(lib, {p.name for p in base.glob("*.jar")})
        (lib / LEFT_OUT).write_text("".join(f"{name}\n" for name in left_out))

    return jars.resolve_into(final, version, jars.pom_text(version, named), named, keep_only_extras, progress)


def artifact_of(jar_name: str) -> str:
    """netty-tcnative-classes-2.0.53.Final.jar -> netty-tcnative-classes (classifier-bearing names keep it)."""
    match = _VERSIONED.match(jar_name)
    return match.group("artifact") if match else jar_name.removesuffix(".jar")


def trim_to_extras(lib: Path, base_names: set[str]) -> list[str]:
    """Delete from `lib` every jar lib/ has already, and every jar of an artifact lib/ holds in another
    version; the names of the latter, sorted."""
    base_artifacts = {artifact_of(name) for name in base_names}
    left_out = []
    for jar in sorted(lib.glob("*.jar")):
        if jar.name in base_names:
            jar.unlink()
        elif artifact_of(jar.name) in base_artifacts:
            left_out.append(jar.name)
            jar.unlink()
    return left_out
