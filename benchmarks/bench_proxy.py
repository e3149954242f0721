"""What the RocketMQ 5 proxy costs and changes, per client, each against a baseline in the same run:

1. Send rate through a cluster-mode proxy vs direct to the brokers (2m2s-sync): RocketMQ's Java producer both
   ways, the official gRPC client through the proxy (it has no direct path) against rmqlab's own client direct.
2. The failover window through the proxy vs direct (dledger and controller, `--proxy cluster`): the same master
   kill seen at once by the Java producer direct and through a proxy, by the gRPC client through a proxy, and by
   a probe writing straight to the master the name servers name (the broker group's own unwritable window).

    python benchmarks/bench_proxy.py [--messages 2000] [--rounds 2] [--modes dledger,controller] [--skip-rate]

Needs the dev extras (rocketmq-python-client), a JDK (javac) and a running engine; starts and removes its own
clusters (bench-px-*).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import _repo  # noqa: F401  (this checkout first on sys.path)
from _jvmpipe import JvmPipe

from rmqlab.api import ClusterSpec, Lab, parse_mode
from rmqlab.remoting import RemotingClient, RemotingError
from rmqlab.topology.model import ProxyMode
from testkit.hostjvm import lib_dir

TOPIC = "BenchProxy"
SIZE = 256
JAVA_SOURCE = Path(__file__).resolve().parent / "jvm" / "ProxySend.java"
LAB = Lab()


@dataclass
class Outcomes:
    """Each paced send's completion: (epoch seconds, acknowledged?)."""

    sends: list[tuple[float, bool]] = field(default_factory=list)

    def after(self, t: float) -> list[tuple[float, bool]]:
        return [s for s in self.sends if s[0] >= t]


class JavaSender:
    """A warm DefaultMQProducer in its own JVM (see jvm/ProxySend.java)."""

    def __init__(self, namesrv: str, workdir: Path):
        classes = workdir / "classes"
        classes.mkdir(exist_ok=True)
        self.jvm = JvmPipe(JAVA_SOURCE, classes, f"{lib_dir('5.5.0')}/*", "ProxySend", [namesrv, TOPIC, str(SIZE)],
                           128, workdir)

    def burst(self, count: int) -> float:
        self.jvm.say(f"burst {count}")
        _, sent, nanos, failed = self.jvm.expect("RESULT").split()
        if int(failed):
            print(f"    (java: {failed} of {sent} not SEND_OK)")
        return int(sent) / (int(nanos) / 1e9)

    def paced(self, rate: float, seconds: float, into: Outcomes) -> None:
        self.jvm.say(f"paced {rate} {seconds}")
        for line in self.jvm.lines():
            if line.startswith("DONE"):
                return
            word, millis, *_ = line.split()
            into.sends.append((int(millis) / 1000, word == "OK"))

    def close(self) -> None:
        self.jvm.close()


class GrpcSender:
    """The official Python gRPC client's Producer on one proxy endpoint, synchronous sends."""

    def __init__(self, endpoint: str):
        from rocketmq import ClientConfiguration, Credentials, Producer

        self.producer = Producer(ClientConfiguration(endpoint, Credentials(), request_timeout=3), (TOPIC,))
        self.producer.startup()

    def _send(self) -> bool:
        from rocketmq import Message

        message = Message()
        message.topic, message.body = TOPIC, bytes(SIZE)
        try:
            self.producer.send(message)
        except Exception:  # noqa: BLE001 - a failed send is the outcome measured
            return False
        return True

    def burst(self, count: int) -> float:
        return _burst(self._send, count, "grpc")

    def paced(self, rate: float, seconds: float, into: Outcomes) -> None:
        _paced(self._send, rate, seconds, into)

    def close(self) -> None:
        self.producer.shutdown()


class DirectProbe:
    """rmqlab's client straight to one group's master, as the name servers name it (asked before each send)."""

    def __init__(self, name: str, group: str):
        self.cluster = LAB.cluster(name)
        self.client = RemotingClient()
        self.observer = LAB.observer(self.cluster)
        self.group = group

    def _master_addr(self) -> str | None:
        answer = self.observer.first_answer()
        master = answer.roles.get(self.group).master if answer and self.group in answer.roles else None
        return self.cluster.advertised_addr(self.cluster.node(master)) if master else None

    def _send(self, addr: str | None = None) -> bool:
        addr = addr or self._master_addr()
        if addr is None:
            return False
        try:
            return self.client.send(addr, TOPIC, 0, bytes(SIZE), timeout=3).code == 0
        except RemotingError:
            return False

    def burst(self, count: int) -> float:
        addr = self._master_addr()
        return _burst(lambda: self._send(addr), count, "rmqlab")

    def paced(self, rate: float, seconds: float, into: Outcomes) -> None:
        _paced(self._send, rate, seconds, into)

    def close(self) -> None:
        self.observer.close()
        self.client.close()


def _burst(send, count: int, label: str) -> float:
    """Sends per second of `count` back-to-back sends (`send` says whether each was acknowledged)."""
    began = time.perf_counter()
    failed = sum(not send() for _ in range(count))
    if failed:
        print(f"    ({label}: {failed} of {count} failed)")
    return count / (time.perf_counter() - began)


def _paced(send, rate: float, seconds: float, into: Outcomes) -> None:
    next_at, end = time.monotonic(), time.monotonic() + seconds
    while time.monotonic() < end:
        ok = send()
        into.sends.append((time.time(), ok))
        next_at = max(next_at + 1 / rate, time.monotonic())  # after a slow send, no catch-up burst
        time.sleep(max(0.0, next_at - time.monotonic()))


def _up(name: str, mode: str) -> None:
    print(f"  starting {name} ({mode}, --proxy cluster) ...", flush=True)
    LAB.up(ClusterSpec(mode=parse_mode(mode), name=name, proxy=ProxyMode.CLUSTER), timeout=400)
    LAB.produce(name, TOPIC, count=1)  # the topic on every group


def _down(name: str) -> None:
    from rmqlab.errors import BadInput

    try:
        LAB.down(name, volumes=True)
    except BadInput:  # it never started
        pass


def _proxy(name: str, field_name: str) -> str:
    return getattr(LAB.status(name).proxies[0], field_name)


def _namesrvs(name: str) -> str:
    cluster = LAB.cluster(name)
    return ";".join(cluster.advertised_addr(n) for n in cluster.namesrvs)


def _add_senders(senders: dict, name: str, workdir: Path, labels: tuple[str, ...]) -> None:
    """One at a time into `senders`, so the caller closes every one started even when a later one fails."""
    makers = {
        "java direct": lambda: JavaSender(_namesrvs(name), workdir),
        "java via proxy": lambda: JavaSender(_proxy(name, "remoting"), workdir),
        "grpc via proxy": lambda: GrpcSender(_proxy(name, "grpc")),
        "rmqlab direct": lambda: DirectProbe(name, "broker-a"),
        "probe direct": lambda: DirectProbe(name, "broker-a"),
    }
    for label in labels:
        senders[label] = makers[label]()


def send_rates(args: argparse.Namespace, workdir: Path) -> None:
    name = "bench-px-rate"
    senders: dict = {}
    try:
        _up(name, "2m2s-sync")
        _add_senders(senders, name, workdir, ("java direct", "java via proxy", "grpc via proxy", "rmqlab direct"))
        for sender in senders.values():  # every client and the brokers' JIT warm
            sender.burst(args.messages // 2)
        rates: dict[str, list[float]] = {label: [] for label in senders}
        for n in range(args.rounds):
            order = list(senders) if n % 2 == 0 else list(reversed(senders))
            for label in order:
                rates[label].append(senders[label].burst(args.messages))
        median = {label: statistics.median(r) for label, r in rates.items()}
        print(f"send rate, 2m2s-sync, {args.messages} sync sends of {SIZE} B per round, {args.rounds} rounds:")
        for label, rate in median.items():
            print(f"  {label:<15} {rate:8.0f} msgs/s  (rounds: {', '.join(f'{r:.0f}' for r in rates[label])})")
        print(f"  java via proxy / java direct:  {median['java via proxy'] / median['java direct']:.2f}x")
        print(f"  grpc via proxy / rmqlab direct: {median['grpc via proxy'] / median['rmqlab direct']:.2f}x")
    finally:
        for sender in senders.values():
            sender.close()
        _down(name)


def failover(mode: str, args: argparse.Namespace, workdir: Path) -> None:
    name = f"bench-px-{mode}"
    senders: dict = {}
    outcomes, threads = {}, []
    try:
        _up(name, mode)
        _add_senders(senders, name, workdir, ("java direct", "java via proxy", "grpc via proxy", "probe direct"))
        for label, sender in senders.items():
            outcomes[label] = Outcomes()
            threads.append(threading.Thread(target=sender.paced, args=(args.rate, args.warm + args.after,
                                                                      outcomes[label]), daemon=True))
        for thread in threads:
            thread.start()
        time.sleep(args.warm)
        master = LAB.status(name).groups["broker-a"].master
        killed_at = time.time()
        LAB.fault(name, "kill", master)
        for thread in threads:
            thread.join(args.after + 60)
        print(f"failover, {mode}: kill -9 of broker-a's master {master}, {args.rate:g} sends/s per client, "
              f"{args.after:g} s watched:")
        for label, seen in outcomes.items():
            print(f"  {label:<15} {_window(seen, killed_at)}")
    finally:
        for sender in senders.values():
            sender.close()
        _down(name)


def _window(seen: Outcomes, killed_at: float) -> str:
    after = seen.after(killed_at)
    failures = [t for t, ok in after if not ok]
    if not failures:
        return f"no failed send ({len(after)} acknowledged after the kill)"
    last = max(failures)
    recovered = next((t for t, ok in after if ok and t > last), None)
    until = f"acknowledged again {recovered - killed_at:5.1f} s after the kill" if recovered else "never recovered"
    return (f"{len(failures):3d} failed sends, the last {last - killed_at:5.1f} s after the kill; {until}; "
            f"{sum(ok for _, ok in after)} acknowledged after the kill")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--modes", default="dledger,controller")
    parser.add_argument("--rate", type=float, default=20.0, help="paced sends per second per client")
    parser.add_argument("--warm", type=float, default=10.0)
    parser.add_argument("--after", type=float, default=45.0)
    parser.add_argument("--skip-rate", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_rate:
            send_rates(args, Path(tmp))
        for mode in filter(None, (m.strip() for m in args.modes.split(","))):
            failover(mode, args, Path(tmp))


if __name__ == "__main__":
    main()
