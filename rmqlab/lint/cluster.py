"""Lint what rmqlab itself renders: one host per machine, heaps and memory from the model."""

from __future__ import annotations

from rmqlab.lint import LintReport, lint_hosts
from rmqlab.lint.inputs import ConfigFile, Host, config_from_text
from rmqlab.render.compose import config_path
from rmqlab.render.properties import render_broker_properties, render_namesrv_properties
from rmqlab.topology.model import BrokerNode, Cluster


def lint_cluster(cluster: Cluster) -> LintReport:
    hosts = []
    for machine in cluster.machines:
        files: list[ConfigFile] = []
        for node in cluster.nodes_on(machine.letter):
            if isinstance(node, BrokerNode):
                text, kind = render_broker_properties(cluster, node), "broker"
            else:
                text, kind = render_namesrv_properties(cluster, node), "namesrv"
            files.append(config_from_text(config_path(cluster, node), text, node.heap.heap_mb, kind))
        name = machine.ip if cluster.on_real_hosts else machine.name
        hosts.append(Host(name, tuple(files), machine.memory_mb, frozenset({machine.ip})))
    return lint_hosts(hosts, cluster.version)
