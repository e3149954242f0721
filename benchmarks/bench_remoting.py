"""How fast is rmqlab's remoting client next to RocketMQ's own Java producer?

    python benchmarks/bench_remoting.py [--version 5.5.0] [--rounds 7] [--messages 3000] [--size 1024]
    python benchmarks/bench_remoting.py --compare-jit [--rounds 7]   # tiered vs C1-only broker

Starts a real name server and one broker on the host JVM (127.0.0.1:29876 / 29911), then
measures, against that same broker and queue, with one thread and the same message size:
synchronous sends/s of RemotingClient.send and of the Java client's
DefaultMQProducer.send(msg, queue) (one warm JVM), in alternating rounds whose order alternates
too, so that a machine busy with other work slows both alike; then the round trip of one
cluster-info request. Prints medians, each round, CPU per message of sender and broker, and the
machine's load (goals: ratio >= 1.0, cluster-info median <= 5 ms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import _repo  # noqa: F401  (this checkout first on sys.path)
from _jvmpipe import JvmPipe

from rmqlab.remoting import RemotingClient
from testkit.hostjvm import HostCluster, wait_replicating

TOPIC = "RmqlabBench"
BROKER = "127.0.0.1:29911"
BOOT_TIMEOUT = 300  # a 2-core machine busy with other work boots a broker slowly

# A warm Java producer that sends a round of N messages each time a line "N" arrives on stdin.
JAVA_SYNC_SEND = """
import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;

public class SyncSend {
    public static void main(String[] args) throws Exception {
        String namesrv = args[0], topic = args[1], brokerName = args[2];
        int size = Integer.parseInt(args[3]);
        DefaultMQProducer producer = new DefaultMQProducer("rmqlab_bench_java");
        producer.setNamesrvAddr(namesrv);
        producer.setSendMsgTimeout(5000);
        producer.start();
        MessageQueue queue = new MessageQueue(topic, brokerName, 0);
        byte[] body = new byte[size];
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        System.out.println("READY");
        for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
            int count = Integer.parseInt(line.trim()), failed = 0;
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                SendResult result = producer.send(new Message(topic, body), queue);
                if (result.getSendStatus() != SendStatus.SEND_OK) failed++;
            }
            System.out.println("RESULT " + count + " " + (System.nanoTime() - start) + " " + failed);
        }
        producer.shutdown();
    }
}
"""


@dataclass
class Round:
    """One timed round: messages/s, and CPU per message of the sender and of the broker."""

    rate: float
    client_us: float
    broker_us: float


def bench_python_send(client: RemotingClient, count: int, size: int, broker: str = BROKER,
                      warmup: int = 1000) -> float:
    body = bytes(size)
    for _ in range(min(warmup, count)):
        client.send(broker, TOPIC, 0, body)
    failed = 0
    start = time.perf_counter()
    for _ in range(count):
        failed += client.send(broker, TOPIC, 0, body).code != 0
    elapsed = time.perf_counter() - start
    if failed:
        print(f"  python: {failed} sends not SUCCESS")
    return count / elapsed


class JavaProducer:
    """RocketMQ's DefaultMQProducer in its own JVM, kept warm between rounds."""

    def __init__(self, cluster: HostCluster, size: int, workdir: Path):
        source = workdir / "SyncSend.java"
        source.write_text(JAVA_SYNC_SEND)
        self.jvm = JvmPipe(source, workdir, f"{cluster.lib}/*", "SyncSend",
                           [cluster.namesrv_addr, TOPIC, "broker-a", str(size)], 256, workdir)

    def send(self, count: int) -> float:
        self.jvm.say(f"{count}")
        _, sent, nanos, failed = self.jvm.expect("RESULT").split()
        if int(failed):
            print(f"  java: {failed} sends not SEND_OK")
        return int(sent) / (int(nanos) / 1e9)

    def close(self) -> None:
        self.jvm.close()


def timed_round(send: Callable[[], float], count: int, client_cpu: Callable[[], float],
                broker_pid: int) -> Round:
    client_before, broker_before = client_cpu(), _cpu_seconds(broker_pid)
    rate = send()
    return Round(rate, (client_cpu() - client_before) / count * 1e6,
                 (_cpu_seconds(broker_pid) - broker_before) / count * 1e6)


def compare_send(client: RemotingClient, cluster: HostCluster, args: argparse.Namespace,
                 workdir: Path) -> None:
    """Ours and Java's in alternating rounds (who goes first alternates too), medians per side."""
    java = JavaProducer(cluster, args.size, workdir)
    try:
        for _ in range(max(1, args.warmup // 1000)):  # both clients and the broker's JIT warm
            bench_python_send(client, 1000, args.size, warmup=0)
            java.send(1000)
        broker_pid = cluster.procs["master"].popen.pid
        rounds: dict[str, list[Round]] = {"rmqlab": [], "java": []}
        sides = {
            "rmqlab": (lambda: bench_python_send(client, args.messages, args.size, warmup=0),
                       lambda: _self_cpu_seconds()),
            "java": (lambda: java.send(args.messages), lambda: _cpu_seconds(java.jvm.proc.pid)),
        }
        for n in range(args.rounds):
            for side in (("rmqlab", "java") if n % 2 == 0 else ("java", "rmqlab")):
                send, cpu = sides[side]
                rounds[side].append(timed_round(send, args.messages, cpu, broker_pid))
    finally:
        java.close()
    for side, label in (("rmqlab", "rmqlab RemotingClient.send "), ("java", "Java DefaultMQProducer.send")):
        got = rounds[side]
        print(f"  {label}: median {_median(got, 'rate'):6.0f} msgs/s, "
              f"{_median(got, 'client_us'):4.0f} sender CPU-us/msg, "
              f"{_median(got, 'broker_us'):4.0f} broker CPU-us/msg "
              f"(rounds: {', '.join(f'{r.rate:.0f}' for r in got)})")
    pairs = [ours.rate / theirs.rate for ours, theirs in zip(rounds["rmqlab"], rounds["java"], strict=True)]
    print(f"  ratio ours/java: {_median(rounds['rmqlab'], 'rate') / _median(rounds['java'], 'rate'):.2f}x "
          f"of the medians, {statistics.median(pairs):.2f}x median of round pairs "
          f"(range {min(pairs):.2f}-{max(pairs):.2f}; goal >= 1.0)")


def _median(rounds: list[Round], what: str) -> float:
    return statistics.median(getattr(r, what) for r in rounds)


def _self_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def bench_cluster_info(client: RemotingClient, namesrv: str, calls: int) -> list[float]:
    for _ in range(50):
        client.cluster_info(namesrv)
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        client.cluster_info(namesrv)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


# The lab profile's JIT choice: one broker with RocketMQ's tiered C1+C2, one with C1 only.
JIT_BROKERS = {"tiered": ("broker-a", 29911, ()), "c1": ("broker-b", 29921, ("-XX:TieredStopAtLevel=1",))}


def compare_jit(args: argparse.Namespace) -> None:
    """Our send rate against both brokers, and each broker's CPU time per message, in alternating
    rounds so that a busy machine slows both alike; medians per broker."""
    with HostCluster(args.version) as cluster, RemotingClient() as client:
        cluster.start_namesrv()
        for name, port, jvm_args in JIT_BROKERS.values():
            cluster.start_broker(name, port, broker_name=name, role="ASYNC_MASTER", jvm_args=jvm_args)
        addrs = {jit: f"127.0.0.1:{port}" for jit, (_, port, _) in JIT_BROKERS.items()}
        pids = {jit: cluster.procs[name].popen.pid for jit, (name, _, _) in JIT_BROKERS.items()}
        for addr in addrs.values():
            client.create_topic(addr, TOPIC, 4, 4)
            wait_replicating(client, addr)
        per_round = args.messages
        print(f"RocketMQ {args.version}, 2 brokers on 127.0.0.1 (tiered JIT, C1 only), 1 thread, "
              f"{args.rounds} alternating rounds of {per_round} x {args.size}-byte sync sends each")
        rates: dict[str, list[float]] = {jit: [] for jit in addrs}
        cpu_us: dict[str, list[float]] = {jit: [] for jit in addrs}
        for _ in range(args.rounds):
            for jit, addr in addrs.items():
                before = _cpu_seconds(pids[jit])
                rates[jit].append(bench_python_send(client, per_round, args.size, addr, warmup=100))
                cpu_us[jit].append((_cpu_seconds(pids[jit]) - before) / (per_round + 100) * 1e6)
        for jit in addrs:
            print(f"  broker JIT {jit:<6}: median {statistics.median(rates[jit]):6.0f} msgs/s, "
                  f"{statistics.median(cpu_us[jit]):5.0f} broker CPU-us/msg "
                  f"(rounds: {', '.join(f'{r:.0f}/{c:.0f}' for r, c in zip(rates[jit], cpu_us[jit], strict=True))})")
        late = slice(args.rounds // 2, None)  # after the tiered broker's C2 has compiled the hot paths
        for what, table in (("send rate", rates), ("broker CPU per message", cpu_us)):
            ratio = statistics.median(table["c1"]) / statistics.median(table["tiered"])
            late_ratio = statistics.median(table["c1"][late]) / statistics.median(table["tiered"][late])
            print(f"  {what}, C1-only / tiered: {ratio:.2f}x all rounds, {late_ratio:.2f}x second half")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="5.5.0")
    parser.add_argument("--messages", type=int, default=3000, help="sends per round and side")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--warmup", type=int, default=6000, help="untimed sends per side first")
    parser.add_argument("--rtt-calls", type=int, default=1000)
    parser.add_argument("--compare-jit", action="store_true",
                        help="instead: our send rate against a tiered-JIT broker and a C1-only broker")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds per side")
    args = parser.parse_args()
    if args.compare_jit:
        compare_jit(args)
        return

    with tempfile.TemporaryDirectory(prefix="rmqlab-bench-") as tmp, \
            HostCluster(args.version) as cluster, RemotingClient() as client:
        cluster.start_namesrv(timeout=BOOT_TIMEOUT)
        cluster.start_broker("master", 29911, role="ASYNC_MASTER", timeout=BOOT_TIMEOUT)
        while not client.cluster_info(cluster.namesrv_addr).groups:
            time.sleep(0.2)
        client.create_topic(BROKER, TOPIC, 4, 4)
        while not client.topic_route(cluster.namesrv_addr, TOPIC).queues:
            time.sleep(0.2)
        wait_replicating(client, BROKER)  # an ASYNC_MASTER answers 0 once it takes writes

        print(f"RocketMQ {args.version}, 1 broker on 127.0.0.1, 1 thread, {args.rounds} alternating "
              f"rounds of {args.messages} x {args.size}-byte sync sends to queue 0 each; {_load()}")
        compare_send(client, cluster, args, Path(tmp))
        samples = bench_cluster_info(client, cluster.namesrv_addr, args.rtt_calls)
        p99 = statistics.quantiles(samples, n=100)[98]
        print(f"cluster-info round trip over {args.rtt_calls} calls: "
              f"median {statistics.median(samples):.3f} ms, p99 {p99:.3f} ms (goal <= 5 ms)")
        print(f"  after: {_load()}")


if __name__ == "__main__":
    main()
