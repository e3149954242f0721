"""One experiment on a ready cluster: workload + fault schedule -> history, every fault undone, final read of
every replica, checker, reports. Faults are undone whatever happens."""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from rmqlab.errors import RmqlabError
from rmqlab.experiment.check.history import (
    FAIL,
    FINAL_READ,
    HISTORY_FILE,
    READ,
    HistoryWriter,
    quorum_timeout_answer,
    read_history,
)
from rmqlab.experiment.check.runmeta import GRPC_CLIENT, JAVA_CLIENT, RMQLAB_CLIENT, GroupMeta, RunMeta
from rmqlab.experiment.run.grpcproducer import (
    GrpcProducer,
    proxy_endpoints,
    request_timeout,
    shutdown_all,
    started_producers,
)
from rmqlab.experiment.run.javaproducer import SOURCE as JAVA_SOURCE
from rmqlab.experiment.run.javaproducer import JavaProducers, program_args, runs_consumer_group
from rmqlab.experiment.run.nemesis import Interrupts, Nemesis
from rmqlab.experiment.run.popconsumer import consumer_group, consumer_group_note
from rmqlab.experiment.run.scenario import Scenario, Workload
from rmqlab.experiment.run.workload import (
    Consumer,
    Prober,
    Producer,
    ReplicationObserver,
    RoleObserver,
    RunContext,
    read_queue,
)
from rmqlab.live.clientops import QUEUES_PER_GROUP
from rmqlab.live.observe import Observer
from rmqlab.remoting import RemotingClient, RemotingError, ResponseCode
from rmqlab.render.files import node_keys
from rmqlab.runtime.injector import FaultInjector
from rmqlab.runtime.livefiles import note_experiment
from rmqlab.runtime.provider import Provider
from rmqlab.topology.model import Cluster, LayoutRole, Mode
from rmqlab.topology.timing import Settings
from rmqlab.topology.versions import slave_wait

TOPIC_PREFIX = "rmqlab-exp"  # each run writes a topic of its own, so a reused cluster's older runs stay apart
WARMUP_TOPIC = "rmqlab-warmup"
SETTLE_TIMEOUT = 90.0
RESTORE_TIMEOUT = 150.0
JAVA_FOLDER = "java-client"  # in the run folder: the program's classes, its event lines and its client log
FINAL_READ_BUDGET = 60.0  # seconds; queues left unread then are recorded as not read, never guessed


@dataclass(frozen=True)
class RunRequest:
    mode: Mode
    scenario: Scenario
    out_dir: Path
    version: str
    image: str | None = None
    keep: bool = False
    variant: str | None = None  # --variant name, when compare ran several
    client: str = RMQLAB_CLIENT  # whose producers send: rmqlab's own, or RocketMQ's Java client (java)


def run_on(cluster: Cluster, request: RunRequest, provider: Provider, injector: FaultInjector,
           say: Callable[[str], None]):
    """Run the scenario on a ready cluster; (run folder, RunMeta, CheckResult). Faults are undone whatever
    happens; the cluster itself is the caller's."""
    scenario = _with_send_timeout_above_slave_wait(request.scenario, cluster.version)
    direct = provider.direct(cluster)
    client = provider.client(cluster, timeout=3.0, send_timeout=scenario.workload.send_timeout)
    offsets = Observer(cluster, provider.client(cluster, timeout=0.5))  # its own sockets: a dead node's timeouts
    java_group = runs_consumer_group(request.client, scenario.workload)
    app_client = provider.client(cluster, timeout=3.0) if scenario.workload.app_members and not java_group else None
    with client, offsets, Observer(cluster, provider.client(cluster, timeout=1.0)) as observer, \
            app_client or contextlib.nullcontext():
        run_dir = _new_run_dir(request)
        topic = f"{TOPIC_PREFIX}-{time.time_ns() // 1_000_000}"  # milliseconds: unique per cluster
        masters = _prepare_topics(cluster, client, observer, topic, say)
        java = (_java_producers(cluster, provider, run_dir, scenario.workload, java_group)
                if request.client == JAVA_CLIENT else None)
        grpc: list = []
        try:
            # A real client starts (the Java one ready, holding its sends) before the history's clock does.
            reported = _launch_java(java, cluster, topic, scenario.workload, say) if java is not None else None
            if request.client == GRPC_CLIENT:
                say("Starting the Python gRPC client's producers on the cluster's proxies…")
                grpc = started_producers(proxy_endpoints(cluster, direct), topic, scenario.workload)
            history = HistoryWriter(run_dir / HISTORY_FILE)
            ctx = RunContext(cluster, client, history, topic, QUEUES_PER_GROUP, scenario.workload)
            meta = _meta(cluster, request, masters, history.started_wall, direct, topic,
                         failover_settings(cluster, scenario.workload))
            meta.extra["client"] = client_record(request.client, scenario.workload, reported)
            meta.save(run_dir)
            _run_phases(ctx, observer, offsets, Nemesis(ctx, injector), scenario, say, java, grpc, app_client)
        finally:
            if java is not None:
                java.close()
            shutdown_all(grpc)  # the producer threads shut theirs down too; twice is harmless
    return run_dir, meta, _report(run_dir, meta)


def _run_phases(ctx: RunContext, observer: Observer, offsets: Observer, nemesis: Nemesis, scenario: Scenario,
                say, java: JavaProducers | None, grpc: list, app_client=None) -> None:
    """Workload and faults, settle, final read; every fault undone and the history closed whatever happens."""
    note_experiment(ctx.cluster.name, ctx.history.path.parent)  # how a dashboard of this cluster finds the run
    say(f"Running {scenario.name} for {scenario.duration:.0f} s; history in {ctx.history.path.parent}")
    with Interrupts(ctx.stop) as interrupts:
        try:
            if java is not None:
                java.begin(ctx.history, ctx.stop)  # lets go once its thread tails (_workload_and_faults)
            app = consumer_group(ctx, app_client) if app_client else None
            _workload_and_faults(ctx, observer, offsets, nemesis, scenario, say, java, grpc,
                                 app.threads() if app else [])
            _settle(ctx, nemesis, observer, say)
            _final_read(ctx, say)
        except KeyboardInterrupt:
            say("Interrupted again: undoing faults and stopping now; the history so far is saved.")
        finally:
            ctx.stop.set()
            try:  # the faults are undone first: removing the Java client is a Docker call that can fail
                nemesis.undo_all(final=True)
            finally:
                try:
                    if java is not None:
                        java.close()
                finally:
                    ctx.history.close()
        if interrupts.count > 1:
            raise KeyboardInterrupt


def _with_send_timeout_above_slave_wait(scenario: Scenario, version: str) -> Scenario:
    """A SYNC_MASTER whose slave is silent answers FLUSH_SLAVE_TIMEOUT after its slave wait (3 s; 5 s on
    4.7.0): the client must wait longer, or a stored message is recorded as unknown."""
    least = slave_wait(version)[1] + 1.0
    if scenario.workload.send_timeout >= least:
        return scenario
    return replace(scenario, workload=replace(scenario.workload, send_timeout=least))


def _java_producers(cluster: Cluster, provider: Provider, run_dir: Path, workload: Workload,
                    with_group: bool) -> JavaProducers:
    """The Java program's producers, and the workload's consumer group as its push consumers when `with_group`."""
    from rmqlab.experiment.run.appconsumer import APP_GROUP
    from rmqlab.runtime.javaclient import JavaClientContainer

    node_of_addr = {cluster.advertised_addr(b): b.name for b in cluster.brokers}
    quorum = quorum_timeout_answer(cluster.version) if any(b.dledger for b in cluster.brokers) else None
    return JavaProducers(JavaClientContainer(provider, cluster), run_dir / JAVA_FOLDER, node_of_addr, workload,
                         quorum_timeout=quorum, consumer_group=APP_GROUP if with_group else None)


def _launch_java(java: JavaProducers, cluster: Cluster, topic: str, workload: Workload, say) -> dict:
    """Compile (cached) and start RocketMQ's Java producers; what the client itself reports (its version and
    settings), for run.json."""
    from rmqlab.runtime.javaclient import compiled_classes

    say(f"Starting RocketMQ's Java producer (DefaultMQProducer of {cluster.version}) on the cluster network…")
    classes = compiled_classes(JAVA_SOURCE, cluster.version)
    group = java.events.consumer_group
    if group:
        say(f"  and its consumer group {group}: {workload.app_members} DefaultMQPushConsumer members")
    return java.launch(classes, program_args(cluster.namesrv_addr, topic, workload, group))


def _workload_and_faults(ctx: RunContext, observer: Observer, offsets: Observer, nemesis: Nemesis,
                         scenario: Scenario, say, java: JavaProducers | None = None, grpc: list = (),
                         app_threads: list[threading.Thread] = ()) -> None:
    roles_thread = RoleObserver(ctx, observer)
    roles_thread.poll_once()
    sequence, lock = itertools.count(), threading.Lock()
    threads = [roles_thread, ReplicationObserver(ctx, offsets)]
    threads += [Prober(ctx, g) for g in ctx.cluster.groups]
    if java is not None:
        threads.append(java)
    elif grpc:
        threads += [GrpcProducer(ctx, i, producer, sequence, lock) for i, producer in enumerate(grpc)]
    else:
        threads += [Producer(ctx, i, sequence, lock) for i in range(scenario.workload.producers)]
    threads += [Consumer(ctx, g, r) for g in ctx.cluster.groups for r in scenario.workload.consumers]
    threads += list(app_threads)  # an application's consumer group (appconsumer), when the run asked for one
    for thread in threads:
        thread.start()
    if java is not None:
        java.let_go()
    start = time.monotonic()
    try:
        for index, step in enumerate(scenario.faults, start=1):
            if ctx.stop.wait(max(0.0, start + step.at - time.monotonic())):
                break
            say(f"  t={time.monotonic() - start:5.1f} s  {step.action} {step.target or f'(step {step.undo})'}")
            nemesis.apply(index, step)
        ctx.stop.wait(max(0.0, start + scenario.duration - time.monotonic()))
    finally:
        ctx.stop.set()
        for thread in threads:
            thread.join(timeout=getattr(thread, "join_timeout", 15))
        roles_thread.poll_once()


def _settle(ctx: RunContext, nemesis: Nemesis, observer: Observer, say) -> None:
    """Undo what the schedule left broken (not a destroyed store: that disk is gone), then wait until
    every surviving replica is registered again so the final read sees them all."""
    nemesis.undo_all(final=False)
    gone = nemesis.destroyed()
    kept_down = nemesis.still_in_force()  # faults on a destroyed node stay: undoing them would bring it back empty
    expected = {b.name for b in ctx.cluster.brokers} - gone - kept_down
    # A 2M2S group whose master's disk is gone has no one who could be master; any other group should.
    headless = {b.group for b in ctx.cluster.brokers if b.name in gone and b.role is LayoutRole.MASTER}
    deadline = time.monotonic() + SETTLE_TIMEOUT
    say("Faults undone; waiting for every replica to register again…")
    while time.monotonic() < deadline:
        roles = observer.roles()
        registered = {n for r in roles.values() for n in r.broker_ids}
        if expected <= registered and all(r.master for g, r in roles.items() if g not in headless):
            return
        time.sleep(1)
    say("  not every replica came back in time; the final read records what it cannot read.")


def _final_read(ctx: RunContext, say) -> None:
    say("Final read of every queue on every replica…")
    deadline = time.monotonic() + FINAL_READ_BUDGET
    for group in ctx.cluster.groups:
        for broker in ctx.cluster.group_members(group):
            for queue in range(ctx.queues):
                if time.monotonic() > deadline:
                    _out_of_time(ctx, group, broker.name, queue)
                    continue
                until = _max_offset(ctx, broker.name, queue)
                read_queue(ctx, FINAL_READ, group, broker.name, queue, {}, until=until)


def _out_of_time(ctx: RunContext, group: str, node: str, queue: int) -> None:
    op = ctx.history.invoke(FINAL_READ, READ, None, group=group, node=node, queue=queue)
    ctx.history.complete(op, FAIL, error=f"not read: the final read's {FINAL_READ_BUDGET:.0f} s were used up")


def _max_offset(ctx: RunContext, node: str, queue: int) -> int | None:
    try:
        return ctx.client.max_offset(ctx.addr(node), ctx.topic, queue)
    except RemotingError:
        return None


def _prepare_topics(cluster: Cluster, client: RemotingClient, observer: Observer, topic: str,
                    say) -> dict[str, str]:
    """Create the topics on every master, wait until every replica serves them, and until a send to
    each group is acknowledged plainly (a SYNC_MASTER answers SLAVE_NOT_AVAILABLE until replication runs)."""
    roles = observer.roles()
    masters = {g: r.master for g, r in roles.items() if r.master}
    if set(masters) != set(cluster.groups):
        raise RmqlabError("Not every group has a master before the run.", hint="rmqlab status shows why.")
    for name in (topic, WARMUP_TOPIC):
        for node in masters.values():
            client.create_topic(cluster.advertised_addr(cluster.node(node)), name, QUEUES_PER_GROUP, QUEUES_PER_GROUP)
        _tell_slaves(cluster, client, masters, name)
    say("Waiting until every replica serves the topic and every group acknowledges a send…")
    deadline = time.monotonic() + RESTORE_TIMEOUT
    pending = {b.name for b in cluster.brokers} | {f"send:{g}" for g in cluster.groups}
    while pending and time.monotonic() < deadline:
        for item in sorted(pending):
            if _serves(cluster, client, masters, topic, item):
                pending.discard(item)
        time.sleep(0.5 if pending else 0)
    if pending:
        raise RmqlabError(f"The cluster never settled before the run: {', '.join(sorted(pending))}.")
    return masters


def _tell_slaves(cluster: Cluster, client: RemotingClient, masters: dict[str, str], topic: str) -> None:
    """A 5.x slave copies new topics from its master only every 10 s and refuses pulls of a topic it does
    not know; it accepts the same topic config directly (a 4.x slave refuses, and needs none to serve)."""
    for broker in cluster.brokers:
        if broker.name not in masters.values():
            try:
                client.create_topic(cluster.advertised_addr(broker), topic, QUEUES_PER_GROUP, QUEUES_PER_GROUP)
            except RemotingError:
                pass


def _serves(cluster: Cluster, client: RemotingClient, masters: dict[str, str], topic: str, item: str) -> bool:
    try:
        if item.startswith("send:"):
            node = masters[item.removeprefix("send:")]
            result = client.send(cluster.advertised_addr(cluster.node(node)), WARMUP_TOPIC, 0, b"warm-up")
            return result.code == 0
        result = client.pull(cluster.advertised_addr(cluster.node(item)), topic, 0, 0)
        # A 5.x slave says TOPIC_NOT_EXIST until it has copied the topic config from its master.
        return result.code != ResponseCode.TOPIC_NOT_EXIST
    except RemotingError:
        return False


def failover_settings(cluster: Cluster, workload: Workload) -> Settings:
    """What decides this run's failover timing: the cluster's rendered files and the producers' settings."""
    keys = node_keys(cluster)
    files = Settings.of_files({b.name: keys[b.name] for b in cluster.brokers},
                              {n.name: keys[n.name] for n in cluster.namesrvs})
    return files.with_values(_client_settings(workload))


def client_record(client: str, workload: Workload, reported: dict | None = None) -> dict:
    """run.json's `client`: whose producers sent, the settings that decide their failover, and what the client
    itself reported (RocketMQ's Java client: its version and the settings it ran with)."""
    if client == GRPC_CLIENT:  # its resends and route refresh are the proxy's settings, sent to the client
        record = {"name": client, "settings": {"requestTimeout": request_timeout(workload) * 1000}}
    else:
        record = {"name": client, "settings": {**_client_settings(workload),
                                               "sendLatencyFaultEnable": workload.latency_fault}}
    return {**record, "reported": reported} if reported is not None else record


def _client_path(cluster: Cluster, client: str, direct: bool) -> str:
    """How the producers reach the brokers; rmqlab's probes and reads take the same path as its own client."""
    if client == JAVA_CLIENT:
        return "direct to the brokers' addresses, from a container on the cluster network"
    if client == GRPC_CLIENT:
        return f"through the proxies at {proxy_endpoints(cluster, direct)}"
    return "direct to the brokers' addresses" if direct else "through 127.0.0.1 published ports"


def _client_settings(workload: Workload) -> dict[str, int]:
    """The producers' settings, named as RocketMQ's client names them."""
    return {"pollNameServerInterval": round(workload.route_refresh * 1000),
            "sendMsgTimeout": round(workload.send_timeout * 1000), "retryTimesWhenSendFailed": workload.retries}


def _meta(cluster: Cluster, request: RunRequest, masters: dict[str, str], started_wall: float, direct: bool,
          topic: str, settings: Settings) -> RunMeta:
    groups = tuple(
        GroupMeta(g, tuple(b.name for b in cluster.group_members(g)), masters.get(g), QUEUES_PER_GROUP)
        for g in cluster.groups
    )
    return RunMeta(
        mode=request.mode.value,
        scenario=request.scenario.name,
        version=request.version,
        topic=topic,
        groups=groups,
        started_wall=started_wall,
        duration_seconds=request.scenario.duration,
        fault_schedule=tuple(request.scenario.to_dict()["faults"]),
        cluster=cluster.name,
        settings=settings.to_record(),
        extra={
            "description": request.scenario.description,
            "client_path": _client_path(cluster, request.client, direct),
            "workload": request.scenario.to_dict()["workload"],
            "knobs": [k.text for k in (cluster.spec.knobs if cluster.spec else ())],
            **({"variant": request.variant} if request.variant else {}),
            **({"consumer_group": consumer_group_note(cluster, request.scenario.workload, request.client)}
               if request.scenario.workload.app_members else {}),
        },
    )


def _new_run_dir(request: RunRequest) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    variant = f"-{request.variant}" if request.variant else ""
    base = f"{stamp}-{request.mode.value}-{request.version}{variant}-{request.scenario.name}"
    request.out_dir.mkdir(parents=True, exist_ok=True)
    for attempt in itertools.count():
        run_dir = request.out_dir / (base if not attempt else f"{base}-{attempt + 1}")
        try:
            run_dir.mkdir()
            break
        except FileExistsError:
            continue
    latest = request.out_dir / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    os.symlink(run_dir.name, latest)
    return run_dir


def _report(run_dir: Path, meta: RunMeta):
    from rmqlab.experiment.check.checker import check
    from rmqlab.experiment.report.files import write_reports

    result = check(read_history(run_dir / HISTORY_FILE), meta)
    write_reports(run_dir, meta, result)
    return result
