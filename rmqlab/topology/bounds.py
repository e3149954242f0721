"""What each failover figure should be, by the RocketMQ mechanism that decides it: a range in seconds after the
fault, the settings that mechanism reads (with their values), and the sentence that says how they add up.

Pure: no I/O. One place for these sentences: experiment verdicts, the dashboard feed and a guided tour read
them. Each rule below was read in the code of the versions rmqlab runs (DLedger 0.1 for 4.7.0, 0.3.1.2 for
4.9.7, 0.3.2 for 5.5.0; RocketMQ's broker, name server, controller and client), and is named where it is used.
"""

from __future__ import annotations

from dataclasses import dataclass

from rmqlab.topology.model import Mode
from rmqlab.topology.timing import CLOSED, KNOBS, Settings, Value, namesrv_scan, seconds
from rmqlab.topology.versions import parse_version

NEW_MASTER = "new_master"  # fault -> a different node listed as the group's master
LISTED = "listed"  # fault -> the name server stops listing a frozen or cut-off master (2M2S)
PRODUCERS = "producers"  # fault -> the producers' last failed send


@dataclass(frozen=True)
class Bound:
    figure: str  # NEW_MASTER, LISTED or PRODUCERS
    mechanism: str  # its short name: "DLedger election", "fixed roles", ...
    low: float | None  # seconds after the fault; both None: it never comes by this mechanism
    high: float | None  # None (with a low): nothing bounds it from above
    uses: tuple[Value, ...]  # the settings it reads, with their values
    why: str  # how those settings add up, with their values
    then: str | None = None  # what comes on top of the range and is not in it

    @property
    def never(self) -> bool:
        return self.low is None and self.high is None

    def span(self) -> str:
        """'4.3–7 s', 'at once', 'never', 'at most 30.3 s', '10 s or more'."""
        if self.never:
            return "never"
        if self.high is None:
            return f"{_s(self.low)} or more" if self.low else "unbounded"
        if self.high == 0:
            return "at once"
        if not self.low:
            return f"at most {_s(self.high)}"
        return f"{_n(self.low)}–{_s(self.high)}"

    def short(self) -> str:
        """'DLedger election: 4.3–7 s, then the role change'."""
        return f"{self.mechanism}: {self.span()}" + (f", then {_first_words(self.then)}" if self.then else "")

    def explain(self, note: str | None = None) -> str:
        """'DLedger election, 4.3–7 s, then the new leader's role change (<note>): <why>; <then, in full>.'"""
        text = self.mechanism + ("" if self.never else f", {self.span()}")
        then_short, _, then_detail = (self.then or "").partition(": ")
        if then_short:
            text += f", then {then_short}"
        if note:
            text += f" ({note})"
        text += f": {self.why}"
        if then_detail:
            text += f"; {then_detail}"
        return text + "."

    def judge(self, measured: float | None, slack: float = 0.25) -> str | None:
        """'within', 'above' or 'below' the range; None when there is nothing to compare. `slack` absorbs the
        observer's polling (0.2 s) and rounding."""
        if measured is None or self.never or (self.high is None and not self.low):
            return None
        if self.low is not None and measured < self.low - slack:
            return "below"
        if self.high is not None and measured > self.high + slack:
            return "above"
        return "within"

    def settings(self) -> dict[str, int]:
        return {v.key: v.ms for v in self.uses}


def _n(x: float) -> str:
    return f"{round(x, 1):g}"


def _s(x: float) -> str:
    return f"{_n(x)} s"


def _first_words(text: str) -> str:
    return text.split(":", 1)[0]


# -- a new master ----------------------------------------------------------------------------------------


def new_master(mode: Mode, version: str, how: str | None, settings: Settings) -> Bound:
    """From losing a group's master (`how`: CLOSED or SILENT) to another node listed as its master."""
    if mode.is_2m2s:
        return Bound(NEW_MASTER, "fixed roles", None, None, (),
                     "brokerId is fixed (0 is the master), so a slave never takes over; the group takes writes again "
                     "only when its master is back")
    if mode is Mode.DLEDGER:
        return dledger_election(version, how, settings)
    return controller_switch(how, settings)


def dledger_election(version: str, how: str | None, settings: Settings) -> Bound:
    """DLedgerLeaderElector: a follower turns candidate once *more than* heartBeatTimeIntervalMs ×
    maxHeartBeatLeak passed since the last heartbeat it got, and the leader sends one only every
    heartBeatTimeIntervalMs, so that happens 4–6 s after the leader went. The candidate's first vote is still in
    the old term, where the others already voted for the old leader: it is refused, and the next round, in a new
    term, comes a random minVoteIntervalMs..maxVoteIntervalMs later and passes. A vote round waits for every
    peer's answer up to 2000 ms + random(maxVoteIntervalMs), so a silent old leader (frozen, cut off) holds the
    refused round that long. DLedger 0.1 (RocketMQ 4.7.x) waits 3000 ms + random there, adds the last round's
    cost to the wait between rounds, and may win its first round at once."""
    beat, leak = settings["heartBeatTimeIntervalMs"], settings["maxHeartBeatLeak"]
    vote_min, vote_max = settings["minVoteIntervalMs"], settings["maxVoteIntervalMs"]
    timeout = beat.ms * leak.ms
    round_wait = 3000 if _dledger_01(version) else 2000
    silent = how is not None and how != CLOSED
    held = (round_wait, round_wait + vote_max.ms) if silent else (0, 0)
    if _dledger_01(version):  # its first round may pass at once, or be refused after the whole wait
        low = timeout - beat.ms
        high = timeout + 2 * held[1] + vote_max.ms
    else:
        low = timeout - beat.ms + held[0] + vote_min.ms
        high = timeout + held[1] + vote_max.ms
    why = (f"a follower stands for election once more than heartBeatTimeIntervalMs × maxHeartBeatLeak = "
           f"{beat.ms} ms × {leak.ms} = {seconds(timeout)} pass without a heartbeat (the last came up to "
           f"{seconds(beat.ms)} before the leader went), then wins a vote after a random wait of minVoteIntervalMs–"
           f"maxVoteIntervalMs = {vote_min.ms}–{vote_max.ms} ms")
    if silent:
        why += (f"; a vote waits up to {seconds(held[0])} + random {vote_max.ms} ms for the silent old leader's "
                "answer first")
    return Bound(NEW_MASTER, "DLedger election", low / 1000, high / 1000, (beat, leak, vote_min, vote_max), why,
                 "the new leader's role change: the new leader registers as master once its log is committed and "
                 "dispatched")


def _dledger_01(version: str) -> bool:
    return parse_version(version)[:2] == (4, 7)


def controller_switch(how: str | None, settings: Settings) -> Bound:
    """The controller (5.x, in the name servers): a closed connection to a broker makes it inactive at once
    (BrokerHousekeepingService -> onBrokerChannelClose). A silent one is dropped by a scan every
    scanNotActiveBrokerInterval once more than controllerHeartBeatTimeoutMills passed since its last heartbeat,
    which it sends every brokerHeartbeatInterval. Then the controller elects an in-sync replica and tells it;
    the new master registers with the name servers."""
    then = "the election among the in-sync replicas and the new master's registration"
    timeout = settings["controllerHeartBeatTimeoutMills"]
    beat, scan = settings["brokerHeartbeatInterval"], settings["scanNotActiveBrokerInterval"]
    if how == CLOSED:
        return Bound(NEW_MASTER, "controller, connection closed", 0.0, 0.0, (timeout,),
                     f"the master's connection closed, so the controller switches to an in-sync replica at once, "
                     f"without waiting out {timeout.text()}", then)
    return Bound(NEW_MASTER, "controller, silent master", (timeout.ms - beat.ms) / 1000, (timeout.ms + scan.ms) / 1000,
                 (timeout, beat, scan),
                 f"the controller counts a silent master as gone once more than {timeout.text()} pass without its "
                 f"heartbeat (sent every {beat.text()}), checked every {scan.text()}", then)


# -- a frozen master that stays listed (2M2S) -------------------------------------------------------------


def frozen_listing(version: str, settings: Settings) -> Bound:
    """RouteInfoManager.scanNotActiveBroker: a broker whose connection stays open is dropped only when its last
    registration is more than brokerChannelExpiredTime old (a constant, 120 s); brokers register every
    registerNameServerPeriod, and the scan runs every scanNotActiveBrokerInterval (4.x: a fixed 10 s)."""
    expiry, period = settings["brokerChannelExpiredTime"], settings["registerNameServerPeriod"]
    scan = namesrv_scan(version, settings)
    scanned = scan.text() if scan.key in KNOBS else f"{seconds(scan.ms)} (fixed in 4.x)"
    return Bound(LISTED, "name server expiry", (expiry.ms - period.ms) / 1000, (expiry.ms + scan.ms) / 1000,
                 (expiry, period, *((scan,) if scan.key in KNOBS else ())),
                 f"a paused or cut-off broker keeps its connections open, and the name server drops one only when "
                 f"more than brokerChannelExpiredTime {seconds(expiry.ms)} pass after its last registration (every "
                 f"{period.text()}), checked every {scanned}; even then its slave never takes over (brokerId is "
                 "fixed)")


# -- producers on a stale route ---------------------------------------------------------------------------


def producers(settings: Settings, old: str, stale_for: float | None, still_listed: bool) -> Bound:
    """MQClientInstance refreshes a client's routes every pollNameServerInterval; until then a producer sends to
    the brokers of its last route, and DefaultMQProducer resends a failed send on another group up to
    retryTimesWhenSendFailed times, each waiting up to sendMsgTimeout. `stale_for`: seconds from the fault until
    the name server stopped listing `old` (or, `still_listed`, until `old` answered again); None: neither came."""
    poll, timeout, retries = (settings[k] for k in ("pollNameServerInterval", "sendMsgTimeout",
                                                    "retryTimesWhenSendFailed"))
    uses = (poll, timeout, retries)
    tail = (f"; a failed send is resent on another group ({retries.text()}), and one in flight waits up to "
            f"{timeout.text()}")
    if still_listed:
        why, high = _kept_listing(old, "producers kept it in their route", stale_for, timeout.ms)
        return Bound(PRODUCERS, "a route that still lists it", 0.0, high, uses, why + tail)
    if stale_for is None:
        return Bound(PRODUCERS, "route refresh", 0.0, None, uses,
                     f"a producer refreshes its route every {poll.text()}, and the name server never stopped listing "
                     f"{old}" + tail)
    return Bound(PRODUCERS, "route refresh", 0.0, stale_for + (poll.ms + timeout.ms) / 1000, uses,
                 f"a producer refreshes its route every {poll.text()}, so it keeps sending to {old} until its first "
                 f"refresh after the name server stopped listing it ({_s(stale_for)} after the fault)" + tail)


# The official Python gRPC client (rocketmq-python-client 5.1) asks the proxy for a topic's route 10 s after it
# starts and then every 30 s, both fixed in the client; the proxy answers from a route cache that reloads from the
# name server once an entry is topicRouteServiceCacheRefreshSeconds old (ProxyConfig, 20 s by default).
GRPC_ROUTE_REFRESH = Value("the gRPC client's fixed route refresh", 30_000, False)
PROXY_ROUTE_CACHE = Value("topicRouteServiceCacheRefreshSeconds", 20_000, False)
# The proxy hands its gRPC producers their retry policy: grpcClientProducerMaxAttempts (ProxyConfig, 3). The
# client's send() resends at once on another queue, each attempt waiting up to its request timeout.
PROXY_SEND_ATTEMPTS = Value("grpcClientProducerMaxAttempts", 3, False)


def grpc_producers(request_timeout_ms: int, old: str, stale_for: float | None, still_listed: bool) -> Bound:
    """A gRPC producer sends to the queues of the route it last had from the proxy; the proxy resends nothing for
    it, and the client's own retry picks another queue. The route is as old as the proxy's cache, then the
    client's refresh."""
    timeout = Value("the gRPC client's request timeout", request_timeout_ms, False)
    attempts = PROXY_SEND_ATTEMPTS.ms
    uses = (GRPC_ROUTE_REFRESH, PROXY_ROUTE_CACHE, timeout, PROXY_SEND_ATTEMPTS)
    routes = (f"the gRPC client asks the proxy for routes every {seconds(GRPC_ROUTE_REFRESH.ms)} (fixed in the "
              f"client), and the proxy answers from a cache it reloads from the name server once an entry is "
              f"{PROXY_ROUTE_CACHE.text()} old")
    tail = (f"; a send in flight waits up to {seconds(timeout.ms)} per attempt, {attempts} attempts "
            f"({PROXY_SEND_ATTEMPTS.key}, which the proxy gives the client)")
    in_flight_ms = timeout.ms * attempts
    if still_listed:
        why, high = _kept_listing(old, "the proxy's route and the client's kept it", stale_for, in_flight_ms)
        return Bound(PRODUCERS, "a route that still lists it", 0.0, high, uses, why + "; " + routes + tail)
    if stale_for is None:
        return Bound(PRODUCERS, "proxy and client route refresh", 0.0, None, uses,
                     routes + f", and the name server never stopped listing {old}" + tail)
    lag = (GRPC_ROUTE_REFRESH.ms + PROXY_ROUTE_CACHE.ms + in_flight_ms) / 1000
    return Bound(PRODUCERS, "proxy and client route refresh", 0.0, stale_for + lag, uses,
                 routes + f", so it keeps sending to {old} until both have refreshed after the name server stopped "
                 f"listing it ({_s(stale_for)} after the fault)" + tail)


def _kept_listing(old: str, so: str, stale_for: float | None, timeout_ms: int) -> tuple[str, float | None]:
    """A route that kept a broker the name server still listed: why, and the last failure it allows (until `old`
    answered again, `stale_for` after the fault, plus a send in flight)."""
    why = (f"the name server kept listing {old}, so {so}"
           + (f" until it answered again ({_s(stale_for)} after the fault)" if stale_for is not None else ""))
    return why, stale_for + timeout_ms / 1000 if stale_for is not None else None
