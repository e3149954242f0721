"""How fast is rmqlab's remoting client next to RocketMQ's own Java producer?

    python benchmarks/bench_remoting.py [--version 5.5.0] [--messages 20000] [--size 1024]

Starts a real name server and one broker on the host JVM (127.0.0.1:29876 / 29911), then
measures, against that same broker and queue, with one thread and the same message size:
synchronous sends/s of RemotingClient.send, the same with the Java client's
DefaultMQProducer.send(msg, queue), and the round trip of one cluster-info request.
Prints figures only (goals: ratio >= 0.5, cluster-info median <= 5 ms).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import _repo  # noqa: F401  (this checkout first on sys.path)

from rmqlab.remoting import RemotingClient
from testkit.hostjvm import HostCluster, wait_replicating

TOPIC = "RmqlabBench"
BROKER = "127.0.0.1:29911"

JAVA_SYNC_SEND = """
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;

public class SyncSend {
    public static void main(String[] args) throws Exception {
        String namesrv = args[0], topic = args[1], brokerName = args[2];
        int count = Integer.parseInt(args[3]), size = Integer.parseInt(args[4]);
        int warmup = Integer.parseInt(args[5]);
        DefaultMQProducer producer = new DefaultMQProducer("rmqlab_bench_java");
        producer.setNamesrvAddr(namesrv);
        producer.setSendMsgTimeout(5000);
        producer.start();
        MessageQueue queue = new MessageQueue(topic, brokerName, 0);
        byte[] body = new byte[size];
        for (int i = 0; i < warmup; i++) producer.send(new Message(topic, body), queue);
        int failed = 0;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            SendResult result = producer.send(new Message(topic, body), queue);
            if (result.getSendStatus() != SendStatus.SEND_OK) failed++;
        }
        long elapsed = System.nanoTime() - start;
        System.out.println("RESULT " + count + " " + elapsed + " " + failed);
        producer.shutdown();
    }
}
"""


def bench_python_send(client: RemotingClient, count: int, size: int) -> float:
    body = bytes(size)
    for _ in range(min(1000, count)):
        client.send(BROKER, TOPIC, 0, body)
    failed = 0
    start = time.perf_counter()
    for _ in range(count):
        failed += client.send(BROKER, TOPIC, 0, body).code != 0
    elapsed = time.perf_counter() - start
    if failed:
        print(f"  python: {failed} sends not SUCCESS")
    return count / elapsed


def bench_java_send(cluster: HostCluster, count: int, size: int, workdir: Path) -> float:
    source = workdir / "SyncSend.java"
    source.write_text(JAVA_SYNC_SEND)
    classpath = f"{cluster.lib}/*"
    subprocess.run(["javac", "-nowarn", "-cp", classpath, "-d", str(workdir), str(source)],
                   check=True, capture_output=True)
    out = subprocess.run(
        ["java", "-Xms256m", "-Xmx256m", f"-Duser.home={workdir}",
         "-cp", f"{workdir}:{classpath}", "SyncSend", cluster.namesrv_addr, TOPIC, "broker-a",
         str(count), str(size), str(min(1000, count))],
        check=True, capture_output=True, text=True, timeout=600).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    _, sent, nanos, failed = line.split()
    if int(failed):
        print(f"  java: {failed} sends not SEND_OK")
    return int(sent) / (int(nanos) / 1e9)


def bench_cluster_info(client: RemotingClient, namesrv: str, calls: int) -> list[float]:
    for _ in range(50):
        client.cluster_info(namesrv)
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        client.cluster_info(namesrv)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="5.5.0")
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--rtt-calls", type=int, default=1000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rmqlab-bench-") as tmp, \
            HostCluster(args.version) as cluster, RemotingClient() as client:
        cluster.start_namesrv()
        cluster.start_broker("master", 29911, role="ASYNC_MASTER")
        while not client.cluster_info(cluster.namesrv_addr).groups:
            time.sleep(0.2)
        client.create_topic(BROKER, TOPIC, 4, 4)
        while not client.topic_route(cluster.namesrv_addr, TOPIC).queues:
            time.sleep(0.2)
        wait_replicating(client, BROKER)  # an ASYNC_MASTER answers 0 once it takes writes

        print(f"RocketMQ {args.version}, 1 broker on 127.0.0.1, 1 thread, "
              f"{args.messages} x {args.size}-byte sync sends to queue 0")
        ours = bench_python_send(client, args.messages, args.size)
        java = bench_java_send(cluster, args.messages, args.size, Path(tmp))
        ours_again = bench_python_send(client, args.messages, args.size)
        print(f"  rmqlab RemotingClient.send : {ours:8.0f} msgs/s (again after Java: "
              f"{ours_again:.0f})")
        print(f"  Java DefaultMQProducer.send: {java:8.0f} msgs/s")
        print(f"  ratio ours/java            : {ours / java:8.2f} before, "
              f"{ours_again / java:.2f} after (goal >= 0.5)")

        samples = bench_cluster_info(client, cluster.namesrv_addr, args.rtt_calls)
        p99 = statistics.quantiles(samples, n=100)[98]
        print(f"cluster-info round trip over {args.rtt_calls} calls: "
              f"median {statistics.median(samples):.3f} ms, p99 {p99:.3f} ms (goal <= 5 ms)")


if __name__ == "__main__":
    main()
