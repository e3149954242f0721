"""The console filter (rmqlab.logback.KeyLines) shipped in the image, prebuilt for both logbacks.

RocketMQ 4.9.x logs through logback 1.2 (ch.qos.logback); 5.x through a shaded copy
(org.apache.rocketmq.logging.ch.qos.logback). Logback can only filter by message with a Java
class (its expression filters need Janino), so the filter is compiled once per flavour and the
jars are checked in under files/lib/: building an image needs no JDK and the build context
stays byte-for-byte the same on every machine.

    python -m rmqlab.image.logfilter      # recompile both jars after editing KeyLines.java.in

Needs javac and the cached jars of one 4.9.x and one 5.x version (resolved with Maven).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

from rmqlab.errors import RmqlabError
from rmqlab.topology.versions import DEFAULT_VERSION, NEWEST_4X_ON_MAVEN, is_5x

FILES = Path(__file__).resolve().parent / "files"
TEMPLATE = "logfilter/KeyLines.java.in"
SOURCE_DIGEST = "lib/rmqlab-keylines.sha256"
FLAVOURS = {
    "logback12": ("ch.qos.logback", NEWEST_4X_ON_MAVEN),
    "rmqlogback": ("org.apache.rocketmq.logging.ch.qos.logback", DEFAULT_VERSION),
}
CLASS_NAME = "rmqlab.logback.KeyLines"


def flavour(version: str) -> str:
    return "rmqlogback" if is_5x(version) else "logback12"


def jar_name(flavour_name: str) -> str:
    return f"rmqlab-keylines-{flavour_name}.jar"


def jar_bytes(version: str) -> bytes:
    """The prebuilt filter jar for `version`'s logback."""
    return (resources.files("rmqlab.image") / "files" / "lib" / jar_name(flavour(version))).read_bytes()


def template_digest() -> str:
    return hashlib.sha256((FILES / TEMPLATE).read_bytes()).hexdigest()


def recorded_digest() -> str:
    return (FILES / SOURCE_DIGEST).read_text().strip()


def deterministic_jar(classes: Path, target: Path) -> None:
    """A jar whose bytes depend only on the class files (fixed dates, sorted entries)."""
    entries = sorted(p for p in classes.rglob("*") if p.is_file())
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as jar:
        manifest = zipfile.ZipInfo("META-INF/MANIFEST.MF", date_time=(1980, 1, 1, 0, 0, 0))
        jar.writestr(manifest, "Manifest-Version: 1.0\nCreated-By: rmqlab\n\n")
        for path in entries:
            info = zipfile.ZipInfo(path.relative_to(classes).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            jar.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)


def build(say=print) -> None:
    from rmqlab.image.jars import lib_dir

    if shutil.which("javac") is None:
        raise RmqlabError("javac is needed to rebuild the log filter jars.", hint="Install a JDK 11 or newer.")
    template = (FILES / TEMPLATE).read_text()
    for name, (package, version) in FLAVOURS.items():
        lib = lib_dir(version, say)
        with tempfile.TemporaryDirectory(prefix="keylines-") as tmp:
            source = Path(tmp) / "src" / "rmqlab" / "logback" / "KeyLines.java"
            source.parent.mkdir(parents=True)
            source.write_text(template.replace("@LOGBACK@", package))
            classes = Path(tmp) / "classes"
            done = subprocess.run(["javac", "--release", "8", "-nowarn", "-cp", f"{lib}/*", "-d", str(classes),
                                   str(source)], capture_output=True, text=True)
            if done.returncode != 0:
                raise RmqlabError(f"javac failed for {name}:\n{done.stderr[-2000:]}", hint=f"Fix {TEMPLATE}.")
            target = FILES / "lib" / jar_name(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            deterministic_jar(classes, target)
            say(f"{target} ({target.stat().st_size} bytes) against {package} from RocketMQ {version}")
    (FILES / SOURCE_DIGEST).write_text(template_digest() + "\n")


if __name__ == "__main__":
    try:
        build()
    except RmqlabError as error:
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
