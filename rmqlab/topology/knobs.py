"""Knobs a learner turns: `--set [scope:]key=value`, as data. rmqlab.lint.knobs checks them against the
version's own keys before anything starts; rmqlab.render.settings writes them, each with a comment.

A scope says which nodes a knob reaches:
- broker, namesrv: every broker / every name server (a key with no scope goes where the version reads it);
- master, slave: the fixed roles of a 2M2S layout; a node name (broker-a-slave): that node only;
- controller: the controllers embedded in the name servers (controller mode);
- dledger: DLedger's election timing, which no broker.properties key reaches (set by rmqlab's launcher);
- client: rmqlab's own producers in an experiment (RocketMQ client settings), never a broker file.
"""

from __future__ import annotations

from dataclasses import dataclass

from rmqlab.errors import BadInput

NODE_SCOPES = ("broker", "namesrv", "master", "slave", "controller")
SCOPES = (*NODE_SCOPES, "dledger", "client")

# DLedgerConfig fields (DLedger 0.1 - 0.3.x) with their defaults; read by DLedgerLeaderElector in its loop.
DLEDGER_TIMING = {
    "heartBeatTimeIntervalMs": 2000,
    "maxHeartBeatLeak": 3,
    "minVoteIntervalMs": 300,
    "maxVoteIntervalMs": 1000,
}
DLEDGER_PROPERTY = "rmqlab.dledger."  # -Drmqlab.dledger.<field>=<value> for the launcher

# RocketMQ client settings rmqlab's producers honour, with the client's defaults.
CLIENT_KNOBS = {
    "pollNameServerInterval": ("int", 30000),  # ms between route refreshes
    "sendLatencyFaultEnable": ("boolean", False),  # avoid brokers that were slow or failed lately
    "retryTimesWhenSendFailed": ("int", 2),  # resends on another group after a failure
}


@dataclass(frozen=True)
class Knob:
    scope: str  # one of SCOPES or a node name; "" until resolved
    key: str
    value: str

    @property
    def text(self) -> str:
        return f"{self.scope + ':' if self.scope else ''}{self.key}={self.value}"


def parse_knob(text: str) -> Knob:
    """`[scope:]key=value` -> Knob; BadInput for anything else."""
    head, sep, value = text.partition("=")
    scope, colon, key = head.rpartition(":")
    key, scope = key.strip(), scope.strip()
    if not sep or not key or (colon and not scope) or any(c.isspace() for c in key):
        raise BadInput(f"--set {text!r} is not [scope:]key=value.",
                       hint="For example --set slaveReadEnable=false or --set dledger:heartBeatTimeIntervalMs=500.")
    return Knob(scope, key, value.strip())


def parse_knobs(texts: list[str] | tuple[str, ...]) -> tuple[Knob, ...]:
    return tuple(parse_knob(t) for t in texts)


def split_client(knobs: tuple[Knob, ...]) -> tuple[tuple[Knob, ...], tuple[Knob, ...]]:
    """(cluster knobs, client knobs)."""
    return tuple(k for k in knobs if k.scope != "client"), tuple(k for k in knobs if k.scope == "client")


def knob_from_dict(data: dict) -> Knob:
    return Knob(str(data["scope"]), str(data["key"]), str(data["value"]))
