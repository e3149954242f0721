"""--set knobs checked against the version's own keys (rmqlab/data/keys/<version>/), before anything starts.

Each knob comes back resolved: its scope says which nodes get it (a key with no scope goes where the
version reads it). An unknown key, a value the broker would not parse, a scope the layout does not have,
or a key rmqlab's layout itself decides is BadInput, every problem in one message.
"""

from __future__ import annotations

from rmqlab.errors import BadInput
from rmqlab.lint.keys import ENUM_VALUES, key_set
from rmqlab.lint.values import read_value
from rmqlab.topology.knobs import CLIENT_KNOBS, DLEDGER_TIMING, NODE_SCOPES, Knob
from rmqlab.topology.model import Cluster, Mode

# What the layout itself is made of: changing these is another layout, not a knob.
LAYOUT_KEYS = frozenset({
    "brokerClusterName", "brokerName", "brokerId", "brokerRole", "namesrvAddr", "brokerIP1", "brokerIP2",
    "listenPort", "haListenPort", "storePathRootDir", "storePathCommitLog", "enableDLegerCommitLog",
    "dLegerGroup", "dLegerPeers", "dLegerSelfId", "enableControllerMode", "controllerAddr",
    "enableControllerInNamesrv", "controllerType", "controllerDLegerGroup", "controllerDLegerPeers",
    "controllerDLegerSelfId", "controllerStorePath",
})
_KIND_OF_SCOPE = {"broker": "broker", "master": "broker", "slave": "broker", "namesrv": "namesrv",
                  "controller": "namesrv"}


def resolve_knobs(cluster: Cluster, knobs: tuple[Knob, ...], allow_client: bool = False) -> tuple[Knob, ...]:
    problems, resolved = [], []
    for knob in knobs:
        try:
            resolved.append(_resolve(cluster, knob, allow_client))
        except BadInput as error:
            problems.append(str(error))
    if problems:
        raise BadInput("; ".join(problems) if len(problems) > 1 else problems[0],
                       hint="Nothing was started. Keys come from RocketMQ's own jars: rmqlab lint lists what a file "
                            "should hold; dledger: takes " + ", ".join(DLEDGER_TIMING) + ".")
    return tuple(resolved)


def _resolve(cluster: Cluster, knob: Knob, allow_client: bool) -> Knob:
    if knob.scope == "client":
        if not allow_client:
            raise BadInput(f"--set {knob.text}: client knobs are for experiments' producers (experiment run, "
                           "compare), not for a cluster.")
        return _checked_typed(knob, *CLIENT_KNOBS.get(knob.key, (None, None)), known=CLIENT_KNOBS)
    if knob.scope == "dledger":
        if cluster.mode is not Mode.DLEDGER:
            raise BadInput(f"--set {knob.text}: only a dledger layout has DLedger election timing.")
        knob = _checked_typed(knob, "int", DLEDGER_TIMING.get(knob.key), known=DLEDGER_TIMING)
        if int(knob.value) <= 0:
            raise BadInput(f"--set {knob.text}: must be above 0.")
        return knob
    if knob.key in LAYOUT_KEYS:
        raise BadInput(f"--set {knob.text}: {knob.key} is part of the {cluster.mode.value} layout, which rmqlab "
                       "decides; pick another --mode instead.")
    scope = knob.scope or _scope_of(cluster, knob)
    kind = _kind(cluster, knob, scope)
    keys = key_set(cluster.version, kind)
    if keys is None:
        raise BadInput(f"--set {knob.text}: RocketMQ {cluster.version} has no key list to check it against.")
    if knob.key not in keys:
        near = keys.suggest(knob.key)
        raise BadInput(f"--set {knob.text}: RocketMQ {cluster.version}'s {kind} has no key {knob.key}"
                       + (f" (did you mean {near}?)" if near else "") + ".")
    java_type = keys.type_of(knob.key)
    reading = read_value(knob.value, java_type, None, trims_strings=True)
    if reading.problem or (java_type in ENUM_VALUES and knob.value not in ENUM_VALUES[java_type]):
        raise BadInput(f"--set {knob.text}: {java_type} {knob.key} cannot be {knob.value!r}"
                       + (f" (one of {'/'.join(ENUM_VALUES[java_type])})" if java_type in ENUM_VALUES else "") + ".")
    return Knob(scope, knob.key, knob.value)


def _scope_of(cluster: Cluster, knob: Knob) -> str:
    """Where a key with no scope goes: the kind of node whose version reads it."""
    readers = [kind for kind in ("broker", "namesrv") if (keys := key_set(cluster.version, kind)) and knob.key in keys]
    if len(readers) == 2:
        raise BadInput(f"--set {knob.text}: both brokers and name servers read {knob.key}; say which "
                       f"(broker:{knob.key}=… or namesrv:{knob.key}=…).")
    if not readers:
        keys = key_set(cluster.version, "broker")
        near = keys.suggest(knob.key) if keys else None
        raise BadInput(f"--set {knob.text}: RocketMQ {cluster.version} reads no key {knob.key}"
                       + (f" (did you mean {near}?)" if near else "") + ".")
    return readers[0]


def _kind(cluster: Cluster, knob: Knob, scope: str) -> str:
    if scope in ("master", "slave") and not cluster.mode.is_2m2s:
        raise BadInput(f"--set {knob.text}: {cluster.mode.value} has no fixed {scope}s; use broker: or a node name.")
    if scope == "controller" and cluster.mode is not Mode.CONTROLLER:
        raise BadInput(f"--set {knob.text}: only the controller layout has controllers.")
    if scope in _KIND_OF_SCOPE:
        return _KIND_OF_SCOPE[scope]
    node = cluster.node(scope)
    if node is None:
        nodes = ", ".join(n.name for n in cluster.nodes)
        raise BadInput(f"--set {knob.text}: {scope!r} is neither a scope ({', '.join(NODE_SCOPES)}, dledger, client) "
                       f"nor a node of this layout ({nodes}).")
    return "broker" if node.name in {b.name for b in cluster.brokers} else "namesrv"


def _checked_typed(knob: Knob, java_type: str | None, default, known: dict) -> Knob:
    if knob.key not in known:
        raise BadInput(f"--set {knob.text}: {knob.scope}: takes {', '.join(known)}, not {knob.key}.")
    kind = java_type or "int"
    reading = read_value(knob.value, kind, default, trims_strings=True)
    if reading.problem:
        raise BadInput(f"--set {knob.text}: {knob.key} is {'true or false' if kind == 'boolean' else 'a whole number'},"
                       f" not {knob.value!r}.")
    return knob
