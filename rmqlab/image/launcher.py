"""rmqlab's broker launcher (rmqlab.launch.DLedgerTimings), shipped prebuilt in the image's lib/.

It sets DLedger's election timing, which no broker.properties key reaches (see the Java source under
files/launch/). It uses only reflection, so it compiles against the JDK alone and one jar serves every
RocketMQ version; the jar is checked in, so building an image needs no JDK.

    python -m rmqlab.image.launcher      # recompile files/lib/rmqlab-launch.jar after editing the source
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

from rmqlab.errors import RmqlabError
from rmqlab.image.logfilter import deterministic_jar

FILES = Path(__file__).resolve().parent / "files"
SOURCE = "launch/rmqlab/launch/DLedgerTimings.java"
JAR = "lib/rmqlab-launch.jar"
SOURCE_DIGEST = "lib/rmqlab-launch.sha256"
MAIN_CLASS = "rmqlab.launch.DLedgerTimings"


def jar_bytes() -> bytes:
    return (resources.files("rmqlab.image") / "files" / JAR).read_bytes()


def source_digest() -> str:
    return hashlib.sha256((FILES / SOURCE).read_bytes()).hexdigest()


def recorded_digest() -> str:
    return (FILES / SOURCE_DIGEST).read_text().strip()


def build(say=print) -> None:
    if shutil.which("javac") is None:
        raise RmqlabError("javac is needed to rebuild the launcher jar.", hint="Install a JDK 11 or newer.")
    with tempfile.TemporaryDirectory(prefix="launch-") as tmp:
        classes = Path(tmp) / "classes"
        done = subprocess.run(["javac", "--release", "8", "-nowarn", "-d", str(classes), str(FILES / SOURCE)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RmqlabError(f"javac failed:\n{done.stderr[-2000:]}", hint=f"Fix {SOURCE}.")
        deterministic_jar(classes, FILES / JAR)
    (FILES / SOURCE_DIGEST).write_text(source_digest() + "\n")
    say(f"{FILES / JAR} ({(FILES / JAR).stat().st_size} bytes)")


if __name__ == "__main__":
    try:
        build()
    except RmqlabError as error:
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
