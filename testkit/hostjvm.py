"""Run real RocketMQ name servers and brokers on the host JVM, for remoting tests and benchmarks.

Jars come from Maven Central, resolved once into the image builder's cache; every process
listens on 127.0.0.1, writes under one temporary directory and is killed by `close()`.
No Docker: this is how the remoting client is checked against real brokers on a developer machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# 5.5.1's namesrv/client/tools jars are missing from Maven Central; 5.5.0 is the newest full set.
VERSIONS = ("5.5.0", "4.9.7")

JDK17_OPENS = ("--add-opens", "java.base/java.nio=ALL-UNNAMED",
               "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
               "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED")

_LOGBACK_4X = """<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${{user.home}}/logs/rocketmqlogs/{role}.log</file>
    <encoder><pattern>%d{{HH:mm:ss.SSS}} %-5level %logger{{36}} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
"""


class HostJvmUnavailable(RuntimeError):
    """Java, Maven or the RocketMQ jars are not available here (tests skip with this reason)."""


def lib_dir(version: str) -> Path:
    """The runtime jars of `version`: the very set (and cache) the image builder resolves from Maven Central."""
    if shutil.which("java") is None:
        raise HostJvmUnavailable("no `java` on PATH")
    from rmqlab.errors import RmqlabError
    from rmqlab.image.jars import lib_dir as resolved

    try:
        return resolved(version)
    except RmqlabError as error:
        raise HostJvmUnavailable(str(error)) from None


@dataclass
class JvmProcess:
    name: str
    port: int
    popen: subprocess.Popen
    log: Path

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class HostCluster:
    """Name server + brokers of one RocketMQ version, as JVM processes on 127.0.0.1."""

    def __init__(self, version: str, workdir: str | Path | None = None,
                 namesrv_port: int = 29876, heap: str = "256m"):
        self.version = version
        self.is_4x = version.startswith("4.")
        self.lib = lib_dir(version)
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"rmqlab-hostjvm-{version}-"))
        self.namesrv_port = namesrv_port
        self.heap = heap
        self.procs: dict[str, JvmProcess] = {}
        home = self.workdir / "home"
        (home / "conf").mkdir(parents=True, exist_ok=True)
        for role in ("namesrv", "broker", "tools"):
            (home / "conf" / f"logback_{role}.xml").write_text(_LOGBACK_4X.format(role=role))
        self.home = home

    @property
    def namesrv_addr(self) -> str:
        return f"127.0.0.1:{self.namesrv_port}"

    def start_namesrv(self, timeout: float = 60, jvm_args: tuple[str, ...] = (),
                      **config: object) -> JvmProcess:
        conf = self._write_conf("namesrv", {"listenPort": self.namesrv_port, **config})
        proc = self._spawn("namesrv", self.namesrv_port,
                           "org.apache.rocketmq.namesrv.NamesrvStartup", ["-c", str(conf)],
                           "namesrv", jvm_args)
        self._wait_port(proc, timeout)
        return proc

    def start_broker(self, name: str, port: int, broker_name: str = "broker-a",
                     role: str = "ASYNC_MASTER", broker_id: int = 0, timeout: float = 90,
                     jvm_args: tuple[str, ...] = (), **config: object) -> JvmProcess:
        """Start a broker with listenPort `port` (it also binds port-2 and port+1)."""
        props = {
            "brokerClusterName": "RmqlabCluster", "brokerName": broker_name,
            "brokerId": broker_id, "brokerRole": role, "listenPort": port,
            "brokerIP1": "127.0.0.1", "brokerIP2": "127.0.0.1", "namesrvAddr": self.namesrv_addr,
            "storePathRootDir": self.workdir / "store" / name,
            "mappedFileSizeCommitLog": 64 * 1024 * 1024, "flushDiskType": "ASYNC_FLUSH",
            "autoCreateTopicEnable": "true", "deleteWhen": "04",
        }
        props.update(config)
        conf = self._write_conf(name, props)
        proc = self._spawn(name, port, "org.apache.rocketmq.broker.BrokerStartup",
                           ["-c", str(conf)], "broker", jvm_args)
        self._wait_port(proc, timeout)
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name, None)
        if proc and proc.popen.poll() is None:
            os.killpg(proc.popen.pid, sig)
            proc.popen.wait(timeout=30)

    def close(self, keep_files: bool = False) -> None:
        for name in list(self.procs):
            self.kill(name)
        if not keep_files:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> HostCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write_conf(self, name: str, props: dict[str, object]) -> Path:
        conf = self.workdir / f"{name}.properties"
        conf.write_text("".join(f"{k}={_prop(v)}\n" for k, v in props.items()))
        return conf

    def _spawn(self, name: str, port: int, main: str, args: list[str], role: str,
               jvm_args: tuple[str, ...]) -> JvmProcess:
        if name in self.procs:
            raise RuntimeError(f"{name} is already running")
        _require_free(port)
        user_home = self.workdir / "user" / name
        user_home.mkdir(parents=True, exist_ok=True)
        cmd = ["java", "-server", f"-Xms{self.heap}", f"-Xmx{self.heap}",
               f"-XX:MaxDirectMemorySize={self.heap}", "-XX:+UseG1GC",
               f"-Duser.home={user_home}", f"-Drocketmq.home.dir={self.home}"]
        if self.is_4x:
            cmd += JDK17_OPENS
        else:
            cmd.append(f"-Drmq.logback.configurationFile=rmq.{role}.logback.xml")
        cmd += [*jvm_args, "-cp", f"{self.home / 'conf'}:{self.lib}/*", main, *args]
        log = self.workdir / f"{name}.out"
        env = dict(os.environ, ROCKETMQ_HOME=str(self.home))
        with open(log, "wb") as out:
            popen = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                     cwd=self.workdir, start_new_session=True)
        proc = JvmProcess(name, port, popen, log)
        self.procs[name] = proc
        return proc

    def _wait_port(self, proc: JvmProcess, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.popen.poll() is not None:
                raise RuntimeError(
                    f"{proc.name} exited with {proc.popen.returncode}:\n{proc.tail()}")
            try:
                socket.create_connection(("127.0.0.1", proc.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(
            f"{proc.name} did not listen on {proc.port} in {timeout}s:\n{proc.tail()}")


def wait_for(check, timeout: float = 60, what: str = "condition"):
    """Call `check` until it returns something truthy; errors count as not yet (servers
    refuse questions while they start). Returns that value, or raises TimeoutError."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001
            last = exc
        time.sleep(0.3)
    raise TimeoutError(f"{what} not reached in {timeout}s" + (f"; last error: {last}" if last else ""))


def wait_replicating(client, master: str, timeout: float = 60,
                     topic: str = "RmqlabWarmup") -> None:
    """Send to `topic` on a SYNC_MASTER until a send is acknowledged by a slave (code 0).

    A freshly started slave learns the master's HA address from the name server and connects
    a few seconds later; until then sends answer SLAVE_NOT_AVAILABLE (4.9) or time out (5.x).
    """
    deadline = time.monotonic() + timeout
    while True:
        result = client.send(master, topic, 0, b"warmup", timeout=10)
        if result.code == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{master} still answers {result.code_name} after {timeout}s")
        time.sleep(0.5)


def _prop(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _require_free(port: int) -> None:
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"127.0.0.1:{port} is already in use; another cluster is running")
