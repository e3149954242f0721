"""A ClusterSpec made ready to build: its --set knobs checked against the version's keys, scopes resolved."""

from __future__ import annotations

from dataclasses import replace

from rmqlab.topology.layouts import build_cluster
from rmqlab.topology.model import ClusterSpec


def checked_spec(spec: ClusterSpec, allow_client: bool = False) -> ClusterSpec:
    """BadInput for an unknown key, a bad value or a scope the layout lacks; nothing is started or written."""
    if not spec.knobs:
        return spec
    from rmqlab.lint.knobs import resolve_knobs

    return replace(spec, knobs=resolve_knobs(build_cluster(spec), spec.knobs, allow_client))
