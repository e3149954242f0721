"""A benchmark's Java program, compiled with the host's javac and driven line by line over stdin/stdout."""

from __future__ import annotations

import subprocess
from pathlib import Path


class JvmPipe:
    """Compiles `source` against `classpath` into `classes`, starts `main` with `args`, waits for READY."""

    def __init__(self, source: Path, classes: Path, classpath: str, main: str, args: list[str], heap_mb: int,
                 home: Path):
        subprocess.run(["javac", "-nowarn", "-cp", classpath, "-d", str(classes), str(source)],
                       check=True, capture_output=True)
        self.proc = subprocess.Popen(
            ["java", f"-Xms{heap_mb}m", f"-Xmx{heap_mb}m", f"-Duser.home={home}", "-cp", f"{classes}:{classpath}",
             main, *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.expect("READY")

    def say(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, word: str) -> str:
        """The next line that starts with `word` (lines before it are skipped)."""
        for line in self.proc.stdout:
            if line.startswith(word):
                return line
        raise RuntimeError(f"the Java program exited ({self.proc.wait()}) before printing {word}")

    def lines(self):
        return iter(self.proc.stdout)

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
