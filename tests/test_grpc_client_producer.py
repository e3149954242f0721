"""--client grpc, without an engine: refused before anything starts where it cannot work, a clear error when
the client is not installed, and each send recorded as ok / fail / info without guessing."""

import itertools
import sys
import threading
from dataclasses import replace
from types import SimpleNamespace

import pytest

from rmqlab.api import experiments
from rmqlab.errors import BadInput, RmqlabError
from rmqlab.experiment.check.history import FAIL, INFO, INVOKE, OK, HistoryWriter, read_history
from rmqlab.experiment.run.grpcproducer import GrpcProducer, proxy_endpoints, started_producers
from rmqlab.experiment.run.scenario import Workload
from rmqlab.experiment.run.workload import RunContext
from rmqlab.topology.layouts import build_cluster
from rmqlab.topology.model import ClusterSpec, Mode, ProxyMode


def test_grpc_needs_a_proxy_and_a_5x_version(tmp_path):
    with pytest.raises(BadInput, match="has none"):
        experiments.prepare(["dledger"], "kill-master", "5.5.0", tmp_path, client="grpc")
    with pytest.raises(BadInput, match="4.9.7 has no proxy"):
        experiments.prepare(["dledger"], "kill-master", ["5.5.0", "4.9.7"], tmp_path, client="grpc",
                            proxy=ProxyMode.LOCAL)
    (plan,) = experiments.prepare(["dledger"], "kill-master", "5.5.0", tmp_path, client="grpc",
                                  proxy=ProxyMode.LOCAL)
    assert plan.spec.proxy is ProxyMode.LOCAL and plan.spec.name == "exp-dledger-5-5-0-pxl"
    assert plan.client == "grpc"


def test_a_missing_grpc_client_is_an_error_with_the_install_hint(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rocketmq", None)  # import rocketmq now raises ImportError
    with pytest.raises(RmqlabError, match="not installed") as raised:
        experiments.prepare(["dledger"], "kill-master", "5.5.0", tmp_path, client="grpc", proxy=ProxyMode.LOCAL)
    assert "rocketmq-python-client" in raised.value.hint


def test_proxy_endpoints_are_every_proxys_grpc_address():
    cluster = build_cluster(ClusterSpec(mode=Mode.DLEDGER, name="x", proxy=ProxyMode.LOCAL))
    direct = proxy_endpoints(cluster, direct=True).split(";")
    assert len(direct) == 3 and all(a.endswith(":8081") and not a.startswith("127.") for a in direct)
    published = proxy_endpoints(cluster, direct=False).split(";")
    assert len(published) == 3 and all(a.startswith("127.0.0.1:") for a in published)



def test_run_json_names_the_path_each_client_took():
    from rmqlab.experiment.run.runner import _client_path

    cluster = build_cluster(ClusterSpec(mode=Mode.DLEDGER, name="x", proxy=ProxyMode.LOCAL))
    assert _client_path(cluster, "grpc", direct=False) == f"through the proxies at {proxy_endpoints(cluster, False)}"
    assert "container on the cluster network" in _client_path(cluster, "java", direct=False)
    assert _client_path(cluster, "rmqlab", direct=False) == "through 127.0.0.1 published ports"


class IllegalStateException(Exception):
    pass


class FakeGrpc:
    """The few names of rocketmq-python-client the producer uses; send() answers from a script."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.started = self.stopped = False

    def ClientConfiguration(self, endpoints, credentials, request_timeout):  # noqa: N802 - the client's names
        self.endpoints, self.timeout = endpoints, request_timeout
        return None

    def Credentials(self):  # noqa: N802
        return None

    def Message(self):  # noqa: N802
        return SimpleNamespace()

    def Producer(self, config, topics):  # noqa: N802
        fake = self

        class Producer:
            def startup(self):
                fake.started = True

            def send(self, message):
                answer = fake.answers.pop(0)
                if isinstance(answer, Exception):
                    raise answer
                return answer

            def shutdown(self):
                fake.stopped = True

        return Producer()


def test_a_producer_that_cannot_start_is_an_error_and_the_started_ones_are_shut_down():
    class Refusing(FakeGrpc):
        def Producer(self, config, topics):  # noqa: N802
            producer = super().Producer(config, topics)
            if self.started:  # the second one fails
                producer.startup = lambda: (_ for _ in ()).throw(RuntimeError("failed to fetch topic route"))
            return producer

    client = Refusing([])
    with pytest.raises(RmqlabError, match="could not start on a:8081: RuntimeError"):
        started_producers("a:8081", "t", Workload(producers=2), client=client)
    assert client.stopped


def _receipt(group, queue, offset):
    mq = type("MessageQueue", (), {})()
    mq._MessageQueue__broker_name, mq._MessageQueue__queue_id = group, queue  # where 5.1 keeps them
    return SimpleNamespace(message_queue=mq, offset=offset, message_id="ID")


def test_each_send_is_one_operation_ok_fail_or_info(tmp_path):
    cluster = build_cluster(ClusterSpec(mode=Mode.DLEDGER, name="x", proxy=ProxyMode.LOCAL))
    client = FakeGrpc([_receipt("broker-a", 2, 9), TimeoutError("deadline exceeded"),
                       IllegalStateException("producer is not running now."),
                       IllegalStateException("response is illegal.")])  # raised after a send: unknown
    with HistoryWriter(tmp_path / "history.jsonl") as history:
        ctx = RunContext(cluster, None, history, "t", 4, Workload(send_timeout=4.2))
        (started,) = started_producers("a:8081", "t", replace(ctx.workload, producers=1), client=client)
        producer = GrpcProducer(ctx, 0, started, itertools.count(), threading.Lock(), client=client)
        for seq in range(4):
            producer.send_one(seq)
    # whole seconds: the client's gRPC calls refuse a float timeout
    assert client.started and client.timeout == 4 and type(client.timeout) is int and client.endpoints == "a:8081"
    events = read_history(tmp_path / "history.jsonl")
    assert [e.type for e in events] == [INVOKE, OK, INVOKE, INFO, INVOKE, FAIL, INVOKE, INFO]
    ok = events[1]
    assert (ok.process, ok.group, ok.queue, ok.offset, ok.code_name) == ("producer-grpc-0", "broker-a", 2, 9, "SUCCESS")
    assert events[3].error.startswith("TimeoutError") and events[5].error.startswith("IllegalStateException")


def _proxied_layouts() -> list[tuple[Mode, ProxyMode]]:
    """Every (layout, proxy mode) that `up` accepts (controller with a local proxy needs --groups 1)."""
    served = []
    for mode, proxy in itertools.product(Mode, ProxyMode):
        try:
            build_cluster(ClusterSpec(mode=mode, proxy=proxy, name="px-unit"))
        except BadInput:
            continue
        served.append((mode, proxy))
    return served


@pytest.mark.parametrize(("mode", "proxy"), _proxied_layouts())
def test_every_layout_a_proxy_serves_gets_a_valid_experiment_cluster(tmp_path, mode, proxy):
    from rmqlab.api.experiments import prepare

    (plan,) = prepare([mode.value], "kill-master", "5.5.0", tmp_path, client="rmqlab", proxy=proxy)
    assert plan.spec.proxy is proxy and len(plan.spec.name) <= 30


def test_those_layouts_are_all_but_a_crowded_local_proxy():
    assert len(_proxied_layouts()) == len(Mode) * len(ProxyMode) - 1
