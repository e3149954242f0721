"""What lint agrees to read: regular files only, and big ones in seconds."""

import os
import resource
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest

from rmqlab.errors import BadInput
from rmqlab.lint import lint_hosts
from rmqlab.lint.collect import collect_hosts

BIG = 50 * 1024 * 1024
# CPU seconds, generous for a busy shared machine (about 4 s each when it is idle); the old code
# needed minutes, or never finished on a 50 MB key.
CPU_SECONDS = 20


@contextmanager
def deadline(seconds: int):
    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def lint_paths(*paths: Path):
    return lint_hosts(collect_hosts(list(paths), [], [], []), "5.5.0")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused_before_reading(device):
    with deadline(5), pytest.raises(BadInput) as refused:
        collect_hosts([], [f"h={device}"], [], [])
    assert "character device" in refused.value.message and "\n" not in refused.value.message


def test_a_fifo_is_refused_before_reading(tmp_path):
    fifo = tmp_path / "broker.properties"
    os.mkfifo(fifo)
    with deadline(5), pytest.raises(BadInput, match="FIFO"):
        lint_paths(fifo)  # opening a FIFO with no writer would block forever


def _big_file(tmp_path: Path, name: str, line: bytes) -> Path:
    path = tmp_path / name
    with open(path, "wb") as out:
        out.write(b"brokerName=broker-a\nbrokerRole=ASYNC_MASTER\nnamesrvAddr=10.0.0.1:9876\n")
        out.write(line * (BIG // len(line)))
    return path


@pytest.mark.parametrize(
    "name, line",
    [
        ("many-unknown-keys.properties", b"someKey%d=1\n"),  # every line a distinct unknown key
        ("one-long-line.properties", b"x"),  # one 50 MB key: no did-you-mean on that
        ("chinese-comments.properties", "# 主节点配置，刷盘方式：异步\n".encode()),
        ("joined-lines.properties", b"namesrvAddr=a:9876;\\\n  "),
        ("escaped-paths.properties", b"storePathRootDir=D:\\\\rocketmq\\\\store\n"),
    ],
)
def test_a_50_mb_file_is_linted_in_seconds(tmp_path, name, line):
    if b"%d" in line:
        path = tmp_path / name
        with open(path, "wb") as out:
            count = BIG // len(line % 1000000)
            out.write(b"".join(line % i for i in range(count)))
    else:
        path = _big_file(tmp_path, name, line)
    assert path.stat().st_size >= BIG * 0.9
    started = _cpu()
    with deadline(CPU_SECONDS * 6):
        report = lint_paths(path)
    used = _cpu() - started
    assert used < CPU_SECONDS, f"{used:.1f} CPU s"
    assert len(report.findings) <= 60, len(report.findings)  # capped, not one per line
    print(f"{name}: {used:.1f} CPU s")
    for f in report.findings:
        assert len(f.message) < 2000


def test_more_than_64_mib_is_refused_as_no_config(tmp_path):
    path = tmp_path / "huge.properties"
    with open(path, "wb") as out:
        out.truncate(65 * 1024 * 1024)
    with pytest.raises(BadInput, match="MiB"):
        lint_paths(path)
