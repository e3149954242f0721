"""Scenarios as data: a workload and a fault schedule. Presets live in experiments/*.yaml.

A fault step names a target the way the CLI does (a node, a machine, `broker-a-master`); an undo
step names the step it undoes (`undo: 1`), so it hits exactly the nodes that step hit even after
roles moved. `machine_of: true` widens a target to its whole machine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import yaml

from rmqlab.errors import BadInput
from rmqlab.faults import FAULTS, disruptive

PRESET_DIR = Path(__file__).resolve().parent / "presets"  # also reachable as experiments/ at the top
MAX_APP_MEMBERS = 16  # an experiment's topic has 4 queues per broker group; more members than queues sit idle


@dataclass(frozen=True)
class FaultStep:
    at: float
    action: str  # one of ACTIONS, or "undo"
    target: str | None = None
    peer: str | None = None  # the second target of a fault that takes two (partition)
    undo: int | None = None  # index (1-based) of the step this one undoes
    machine_of: bool = False
    options: dict[str, str] = field(default_factory=dict)  # the fault's own options (kill: signal)


@dataclass(frozen=True)
class Workload:
    rate: float = 40.0  # producer sends per second, all producers together
    producers: int = 2
    size: int = 256
    probe_rate: float = 50.0  # per group, straight to the current master: windows to +-20 ms
    consumers: tuple[str, ...] = ("master", "slave")
    route_refresh: float = 30.0  # seconds between producer route refreshes (client pollNameServerInterval)
    send_timeout: float = 5.0
    retries: int = 2  # resends on another group after a failure (client retryTimesWhenSendFailed)
    latency_fault: bool = False  # avoid a broker for a while after it was slow or failed (sendLatencyFaultEnable)
    app_members: int = 0  # members of an application's consumer group (appconsumer.AppGroup); 0: none
    app_pop: bool = False  # the group consumes with POP (5.x, popconsumer.PopGroup) instead of committed offsets
    pop_invisible: float = 60.0  # seconds a popped message stays hidden (DefaultMQPushConsumer popInvisibleTime)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    duration: float
    faults: tuple[FaultStep, ...]
    workload: Workload = field(default_factory=Workload)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "duration": self.duration,
            "faults": [_step_dict(step) for step in self.faults],
            "workload": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self.workload).items()},
        }


def load_scenario(name_or_path: str) -> Scenario:
    path = Path(name_or_path)
    if not path.suffix:
        path = PRESET_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise BadInput(f"No scenario '{name_or_path}'.", hint=f"Presets: {', '.join(preset_names())}; or a YAML file.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise BadInput(f"{path} is not a YAML scenario: {first}") from None
    return scenario_from_dict(data, default_name=path.stem)


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def scenario_from_dict(data: dict, default_name: str = "custom") -> Scenario:
    if not isinstance(data, dict):
        raise BadInput("A scenario is a YAML mapping with duration, faults and optionally workload.")
    unknown = set(data) - {"name", "description", "duration", "faults", "workload"}
    if unknown:
        raise BadInput(f"Unknown scenario keys: {', '.join(sorted(map(str, unknown)))}.",
                       hint="A scenario has name, description, duration, faults and workload.")
    faults = data.get("faults") or []
    if not isinstance(faults, list):
        raise BadInput("A scenario's faults are a list of steps, each with 'at' and 'action'.")
    steps = tuple(_step(i, s) for i, s in enumerate(faults, start=1))
    scenario = Scenario(
        name=str(data.get("name") or default_name),
        description=str(data.get("description") or ""),
        duration=_number(data.get("duration", 60), "duration", positive=True),
        faults=steps,
        workload=_workload(data.get("workload") or {}),
    )
    _validate(scenario)
    return scenario


def _number(value: object, what: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value in (
            float("inf"), float("-inf")) or value < 0 or (positive and value == 0):
        raise BadInput(f"{what} must be a {'positive' if positive else 'non-negative'} number of seconds, "
                       f"not {value!r}.")
    return float(value)


def _workload(data: object) -> Workload:
    if not isinstance(data, dict):
        raise BadInput("A scenario's workload is a mapping, e.g. {rate: 40, producers: 2}.")
    defaults = Workload()
    values = {}
    for key, value in data.items():
        if key not in Workload.__dataclass_fields__:
            raise BadInput(f"Unknown workload key: {key}.", hint=f"Keys: {', '.join(Workload.__dataclass_fields__)}.")
        default = getattr(defaults, key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise BadInput(f"workload {key} is true or false, not {value!r}.")
            values[key] = value
        elif key == "app_members":
            values[key] = app_members(value, f"workload {key}")
        elif key == "retries":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
                raise BadInput(f"workload retries is a whole number from 0 to 10, not {value!r}.")
            values[key] = value
        elif isinstance(default, tuple):
            if not isinstance(value, list) or not all(v in ("master", "slave") for v in value):
                raise BadInput(f"workload {key} must be a list of master and slave, not {value!r}.")
            values[key] = tuple(value)
        else:
            number = _number(value, f"workload {key}", positive=True)
            values[key] = int(number) if isinstance(default, int) else number
    return Workload(**values)


def app_members(value: object, what: str = "--consumer-group") -> int:
    """The members of an application consumer group a run adds: 0 (none) up to MAX_APP_MEMBERS."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_APP_MEMBERS:
        raise BadInput(f"{what} is a whole number of members from 0 to {MAX_APP_MEMBERS}, not {value!r}.",
                       hint="e.g. --consumer-group 2: two members share the topic's queues (0: no consumer group).")
    return value


def with_consumer_group(scenario: Scenario, members: int | None, pop: bool = False) -> Scenario:
    """The scenario with an application consumer group of `members` (None: as the scenario says), consuming with
    POP when `pop`."""
    workload = scenario.workload
    if members is not None:
        workload = replace(workload, app_members=app_members(members))
    if pop:
        workload = replace(workload, app_pop=True)
    if workload.app_pop and not workload.app_members:
        raise BadInput("A POP consumer group needs members.", hint="e.g. --consumer-group 2 --pop.")
    return replace(scenario, workload=workload) if workload != scenario.workload else scenario


def with_client_knobs(scenario: Scenario, knobs) -> Scenario:
    """The scenario with its producers set as RocketMQ client knobs say (--set client:key=value, checked)."""
    changes = {}
    for knob in knobs:
        if knob.key == "pollNameServerInterval":
            changes["route_refresh"] = int(knob.value) / 1000
        elif knob.key == "retryTimesWhenSendFailed":
            changes["retries"] = int(knob.value)
        elif knob.key == "sendLatencyFaultEnable":
            changes["latency_fault"] = knob.value.lower() == "true"
    return replace(scenario, workload=replace(scenario.workload, **changes)) if changes else scenario


def _step_dict(step: FaultStep) -> dict:
    fields = {k: v for k, v in step.__dict__.items() if k != "options" and v not in (None, False)}
    return {**fields, **step.options}


def _step(index: int, data: dict) -> FaultStep:
    if not isinstance(data, dict) or "at" not in data or "action" not in data:
        raise BadInput(f"Fault step {index} needs 'at' (seconds) and 'action'.")
    kind = FAULTS.get(str(data["action"]))
    option_names = {o.name for o in (*kind.options, *([kind.value] if kind.value else []))} if kind else set()
    known = set(FaultStep.__dataclass_fields__) - {"options"}
    unknown = set(data) - known - option_names
    if unknown:
        raise BadInput(f"Fault step {index} has unknown keys: {', '.join(sorted(map(str, unknown)))}.")
    options = {k: str(v) for k, v in data.items() if k in option_names}
    target, peer, undo = data.get("target"), data.get("peer"), data.get("undo")
    for what, value in (("target", target), ("peer", peer)):
        if value is not None and not isinstance(value, str):
            raise BadInput(f"Fault step {index}: {what} must be a name (a node, a machine, broker-a-master).")
    if kind is not None and kind.takes_peer and not peer:
        raise BadInput(f"Fault step {index}: {kind.name} needs a peer (the other end).",
                       hint=f"{{at: 5, action: {kind.name}, target: broker-a-master, peer: broker-a-slave}}")
    if kind is not None and kind.value and not options.get(kind.value.name):
        raise BadInput(f"Fault step {index}: {kind.name} needs {kind.value.name}.", hint=kind.value.help)
    if undo is not None and (isinstance(undo, bool) or not isinstance(undo, int)):
        raise BadInput(f"Fault step {index}: undo must be the number of an earlier step.")
    return FaultStep(at=_number(data["at"], f"Fault step {index}'s at"), action=str(data["action"]), target=target,
                     peer=peer, undo=undo, machine_of=bool(data.get("machine_of", False)), options=options)


def _validate(scenario: Scenario) -> None:
    for index, step in enumerate(scenario.faults, start=1):
        if step.action == "undo":
            if not step.undo or not 1 <= step.undo < index or scenario.faults[step.undo - 1].action == "undo":
                raise BadInput(f"Fault step {index}: 'undo' must name an earlier fault step by number.")
        elif step.action not in disruptive():
            raise BadInput(f"Fault step {index}: unknown action {step.action!r}.",
                           hint=f"Use {', '.join(disruptive())}, or undo.")
        elif not step.target:
            raise BadInput(f"Fault step {index} needs a target (a node, a machine, or broker-a-master).")
        if not 0 <= step.at <= scenario.duration:
            raise BadInput(f"Fault step {index} at {step.at} s is outside the {scenario.duration} s run.")
