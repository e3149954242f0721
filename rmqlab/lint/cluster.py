"""Lint what rmqlab itself renders: one host per machine, heaps and memory from the model."""

from __future__ import annotations

from rmqlab.lint import LintReport, lint_hosts
from rmqlab.lint.inputs import ConfigFile, Host, config_from_text
from rmqlab.lint.proxyfile import proxy_from_text
from rmqlab.render.compose import config_path, proxy_config_path
from rmqlab.render.files import render_configs
from rmqlab.topology.model import BrokerNode, Cluster


def lint_cluster(cluster: Cluster, configs: dict[str, str] | None = None) -> LintReport:
    """`configs`: the rendered .properties (path -> text) when the caller has them already."""
    configs = configs if configs is not None else render_configs(cluster)
    hosts = []
    for machine in cluster.machines:
        files: list[ConfigFile] = []
        for node in cluster.nodes_on(machine.letter):
            path = config_path(cluster, node)
            kind = "broker" if isinstance(node, BrokerNode) else "namesrv"
            files.append(config_from_text(path, configs[path], node.heap.heap_mb, kind))
        name = machine.ip if cluster.on_real_hosts else machine.name
        proxies = tuple(proxy_from_text(path, configs[path]) for path in
                        (proxy_config_path(cluster, p) for p in cluster.proxies if p.machine == machine.letter))
        hosts.append(Host(name, tuple(files), machine.memory_mb, frozenset({machine.ip}), proxies))
    return lint_hosts(hosts, cluster.version)
