"""The guided tour of the seed's lab, as data and Lab operations: for each layout the faults the seed's steps make,
the question asked before each one, how long to watch, and how the answer is read from what was watched.

The tour is a face like the CLI: it builds the cluster (Lab.up), shows it (Lab.status, mqadmin clusterList), and
runs every fault in one live session (Lab.session) whose history is saved as an experiment run. Each answer is
read from that history by the pure checker (rmqlab.experiment.check.answers); each "why" comes from
rmqlab.topology.bounds and mechanisms with the cluster's own settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from rmqlab.experiment.check import answers
from rmqlab.experiment.check.answers import Answer
from rmqlab.experiment.run.scenario import Workload
from rmqlab.experiment.run.session import LiveSession, LiveView
from rmqlab.topology import bounds
from rmqlab.topology.layouts import build_cluster
from rmqlab.topology.model import Cluster, ClusterSpec, Mode
from rmqlab.topology.timing import CLOSED, Settings

TAKEOVER, COMEBACK, ALONE = "takeover", "comeback", "alone"
# Light: the tour waits for a person between faults, and the probe alone decides when a group takes writes.
TOUR_WORKLOAD = Workload(rate=8.0, producers=1, probe_rate=10.0, consumers=())
ALONE_SENDS = 5  # probe sends to read after the replica left the listing
COMEBACK_TIMEOUT = 180.0  # a broker's boot on a loaded laptop
HOLD_FACTOR = 2.0  # a 2M2S takeover is watched this many times the slowest election elsewhere would take


@dataclass(frozen=True)
class TourStep:
    title: str  # what is done, as a heading
    question: str  # asked before it is done
    kind: str  # TAKEOVER | COMEBACK | ALONE
    group: str
    action: str  # an entry of the fault table, or "undo"
    target: str | None = None  # a node or a role alias (broker-a-master)
    undo_of: int | None = None  # the tour step whose fault this one undoes
    lesson: str = ""  # what the seed says about it, shown after the answer


def tour_steps(cluster: Cluster) -> list[TourStep]:
    group = cluster.groups[0]
    if cluster.mode.is_2m2s:
        sync = cluster.mode is Mode.SYNC_2M2S
        return [
            TourStep(f"kill -9 {group}'s master", f"Will {group}'s slave become master?", TAKEOVER, group, "kill",
                     f"{group}-master", lesson="The seed's lesson: in master/slave mode a slave never takes over."),
            TourStep(f"start {group}'s master again", f"Will {group}-master be master again?", COMEBACK, group,
                     "undo", undo_of=1),
            TourStep(f"kill -9 {group}'s slave",
                     f"With its slave gone, will {group} ({'SYNC' if sync else 'ASYNC'}_MASTER) still store a send?",
                     ALONE, group, "kill", f"{group}-slave"),
        ]
    word = "leader" if cluster.mode is Mode.DLEDGER else "master"
    question = (f"Will one of {group}'s two other nodes become its leader?" if cluster.mode is Mode.DLEDGER
                else f"Will the controller make {group}'s slave its master?")
    return [
        TourStep(f"kill -9 {group}'s {word}", question, TAKEOVER, group, "kill", f"{group}-master"),
        TourStep(f"start the old {word} again", f"Will it be {word} of {group} again?", COMEBACK, group, "undo",
                 undo_of=1),
    ]


def tour_spec(spec: ClusterSpec) -> ClusterSpec:
    """The spec, once its version and the layout on that version are known good (BadInput otherwise), so bad
    input is refused before the tour shows or starts anything."""
    build_cluster(spec)
    return spec


def tour_modes() -> list[str]:
    return [Mode.SYNC_2M2S.value, Mode.DLEDGER.value, Mode.CONTROLLER.value]


# -- watching ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Watch:
    until: object  # LiveView -> bool
    timeout: float
    says: str  # what is being waited for, in words


def hold_seconds(cluster: Cluster, settings: Settings) -> float:
    """How long to watch a 2M2S group for a takeover that never comes: twice what the slowest electing layout
    of the same version needs after a kill (DLedger: 4.3–7 s on 5.x), so 'no' is not just impatience."""
    slowest = bounds.dledger_election(cluster.version, CLOSED, settings).high
    return round(HOLD_FACTOR * slowest, 1)


def watch_for(step: TourStep, cluster: Cluster, session: LiveSession, started: float, before: str | None,
              node: str | None, hold: float) -> Watch:
    """When the answer to `step` is known, as a condition on the live view. `started`: when it was done (history
    clock); `before`: the group's master just before; `node`: the node it took down or brought back."""
    group = step.group
    if step.kind == TAKEOVER:
        if cluster.mode.is_2m2s:
            return Watch(lambda view: view.now - started >= hold, hold + 5,
                         f"watching {group} for {hold:g} s")
        high = bounds.new_master(cluster.mode, cluster.version, CLOSED, session.meta_settings()).high or 0.0

        def elected(view: LiveView) -> bool:
            master = view.master(group)
            since = view.since("master_since", group)
            return master not in (None, before) and since is not None and view.ok_after(group, since)

        return Watch(elected, 3 * high + 30, f"watching {group} until another node is master and takes writes")
    if step.kind == COMEBACK:

        def back(view: LiveView) -> bool:
            since = view.since("listed_since", node)
            return (view.broker_id(node) is not None and since is not None and since >= started
                    and view.master(group) is not None and view.ok_after(group, since))

        return Watch(back, COMEBACK_TIMEOUT, f"watching until {node} is listed again and {group} takes writes")

    def read(view: LiveView) -> bool:
        gone = view.since("unlisted_since", node)
        return gone is not None and gone >= started and len(view.sends_after(group, gone)) >= ALONE_SENDS

    return Watch(read, 60.0, f"watching {ALONE_SENDS} sends to {group} after {node} leaves the listing")


def answer(step: TourStep, history, result, fault_index: int, undone_index: int | None, node: str | None) -> Answer:
    """The measured answer to `step`, from the history so far and its check. `undone_index`: for a comeback, the
    checker's index of the fault it undid."""
    if step.kind == TAKEOVER:
        return answers.takeover(history, result, fault_index, step.group)
    if step.kind == COMEBACK:
        return answers.comeback(history, result, undone_index, fault_index, step.group, node)
    return answers.sends_alone(history, result, fault_index, step.group, node)
