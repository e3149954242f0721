"""rmqlab as a library: the Lab and everything its operations take and return.

The CLI and the dashboard import only this package; everything they offer is an operation here. Names are
loaded on first use, so `from rmqlab.api import DEFAULT_VERSION` costs no more than that module (it keeps
`rmqlab --help` fast).
"""

from __future__ import annotations

from rmqlab import __version__
from rmqlab.lazy import lazy_names

_WHERE = {
    "rmqlab.api.events": ("Event", "Listener", "NodeReady", "Said", "Stage", "Waiting", "quiet"),
    "rmqlab.api.lab": ("ClusterRow", "Lab", "ModeRow", "PitfallRun", "Rendered", "UpResult", "WatchFrame"),
    "rmqlab.api.clients": ("Skipped",),
    "rmqlab.api.monitor": ("Monitor", "cli_command"),
    "rmqlab.runtime.livefiles": ("DashboardRecord",),
    "rmqlab.errors": ("BadInput", "RmqlabError"),
    "rmqlab.faults": ("FAULTS", "FaultKind", "FaultOption"),
    "rmqlab.lint": ("Finding", "LintReport"),
    "rmqlab.lint.pitfalls": ("PITFALLS",),
    "rmqlab.live.clientops": ("DEFAULT_TOPIC", "Read", "Refused", "Sent"),
    "rmqlab.runtime.injector": ("FaultResult",),
    "rmqlab.runtime.lifecycle": ("Removed",),
    "rmqlab.runtime.status": ("ClusterStatus", "GroupStatus", "MachineStatus", "NodeStatus", "ProxyStatus"),
    "rmqlab.topology.layouts": ("MODES", "parse_mode", "parse_proxy"),
    "rmqlab.topology.knobs": ("Knob", "parse_knobs"),
    "rmqlab.api.experiments": ("Comparison", "ExperimentRun", "Variant", "parse_variant"),
    "rmqlab.render.compose": ("config_path", "proxy_config_path"),
    "rmqlab.experiment.run.scenario": ("load_scenario", "preset_names"),
    "rmqlab.experiment.report.tables": ("GROUP_HEADERS", "SHORT_GROUP_COLUMNS", "SIDE_BY_SIDE_HEADERS",
                                        "client_text", "comparison_rows", "group_rows", "side_by_side_rows",
                                        "total_rows"),
    "rmqlab.experiment.report.wording": ("is_alarm", "secs"),
    "rmqlab.experiment.report.compare": ("run_labels",),
    "rmqlab.topology.model": ("BrokerNode", "Cluster", "ClusterSpec", "Mode"),
    "rmqlab.topology.naming": ("DEFAULT_CLUSTER", "validate_cluster_name"),
    "rmqlab.topology.versions": ("DEFAULT_VERSION",),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}
__all__ = sorted(_MODULE_OF) + ["__version__"]
__getattr__ = lazy_names(__name__, globals(), _WHERE)


def __dir__() -> list[str]:
    return __all__
