"""ClusterSpec <-> JSON, so a running cluster describes itself (label on its machines, spec.json)."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

from rmqlab.errors import RmqlabError
from rmqlab.topology.knobs import knob_from_dict
from rmqlab.topology.model import ClusterSpec, Heap, Mode, ProxyMode

SPEC_LABEL = "rmqlab.spec"


def spec_to_json(spec: ClusterSpec) -> str:
    data = asdict(spec)
    data["mode"] = spec.mode.value
    data["hosts"] = list(spec.hosts)
    if not spec.knobs:
        data.pop("knobs")  # a stock cluster's label reads as before
    if spec.proxy:
        data["proxy"] = spec.proxy.value
    else:
        del data["proxy"]  # a cluster without a proxy describes itself as before
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def spec_from_json(text: str) -> ClusterSpec:
    try:
        data = json.loads(text)
        known = {f.name for f in fields(ClusterSpec)}
        data = {k: v for k, v in data.items() if k in known}
        data["mode"] = Mode(data["mode"])
        data["hosts"] = tuple(data.get("hosts", ()))
        data["knobs"] = tuple(knob_from_dict(k) for k in data.get("knobs", ()))
        data["proxy"] = ProxyMode(data["proxy"]) if data.get("proxy") else None
        for key in ("broker_heap", "namesrv_heap"):
            if key in data:
                data[key] = Heap(**data[key])
        return ClusterSpec(**data)
    except (ValueError, KeyError, TypeError) as error:
        raise RmqlabError(
            f"A cluster description could not be read ({error}).", hint="rmqlab down, then up again."
        ) from None
