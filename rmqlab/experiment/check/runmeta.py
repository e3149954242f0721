"""run.json: what was run (layout, groups, topic, schedule), written beside the history."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rmqlab import __version__
from rmqlab.errors import BadInput

# run.json's `client.name`: whose producers sent (rmqlab's own, RocketMQ's Java client, the official gRPC client)
CLIENTS = (RMQLAB_CLIENT, JAVA_CLIENT, GRPC_CLIENT) = ("rmqlab", "java", "grpc")

RUN_FILE = "run.json"


@dataclass(frozen=True)
class GroupMeta:
    name: str  # brokerName, e.g. broker-a
    nodes: tuple[str, ...]  # every replica of the group, e.g. (broker-a-master, broker-a-slave)
    master_at_start: str | None
    queues: int  # write/read queues of the topic on this group


@dataclass(frozen=True)
class RunMeta:
    mode: str  # 2m2s-sync | 2m2s-async | dledger | controller
    scenario: str
    version: str  # RocketMQ version
    topic: str
    groups: tuple[GroupMeta, ...]
    started_wall: float  # epoch seconds at t = 0 of the history (HistoryWriter.started_wall)
    duration_seconds: float | None = None  # workload phase as scheduled; the checker measures its own
    fault_schedule: tuple[dict[str, Any], ...] = ()  # the scenario's schedule as data, opaque to the checker
    cluster: str = "rmqlab"
    rmqlab_version: str = __version__
    # The settings that decide failover timing, as this run had them (rmqlab.topology.timing.Settings.to_record);
    # empty in run.json files written before they were recorded: the checker then assumes RocketMQ's defaults.
    settings: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The layout, and the variant (--variant) when the run had one."""
        variant = self.extra.get("variant")
        return f"{self.mode} ({variant})" if variant else self.mode

    def group(self, name: str) -> GroupMeta | None:
        return next((g for g in self.groups if g.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["groups"] = [{**asdict(g), "nodes": list(g.nodes)} for g in self.groups]
        data["fault_schedule"] = list(self.fault_schedule)
        extra = data.pop("extra")
        return {**data, **extra}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunMeta:
        data = dict(data)
        groups = tuple(
            GroupMeta(g["name"], tuple(g["nodes"]), g.get("master_at_start"), int(g.get("queues", 0)))
            for g in data.pop("groups")
        )
        names = [f for f in cls.__dataclass_fields__ if f not in ("groups", "extra")]
        known = {name: data.pop(name) for name in names if name in data}
        known["fault_schedule"] = tuple(known.get("fault_schedule", ()))
        return cls(groups=groups, **known, extra=data)

    def save(self, run_dir: str | Path) -> Path:
        path = Path(run_dir) / RUN_FILE
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, run_dir: str | Path) -> RunMeta:
        path = Path(run_dir) / RUN_FILE
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise BadInput(f"No {RUN_FILE} in {run_dir}.", hint="Is this a run folder? It holds run.json and "
                              "history.jsonl.") from None
        except (ValueError, KeyError, TypeError) as error:
            raise BadInput(f"{path} is not a run description ({error}).",
                              hint="It is written by the experiment runner; see docs/report-schema.md.") from None
