"""rmqlab tour: the seed's steps, guided. Build the cluster and show it; before each fault ask what will happen,
then do it, watch, and show what was measured and why; end with the pitfalls and the lint rule for each."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rmqlab.cli import app
from rmqlab.cli.options import DEFAULT_MODE, DEFAULT_VERSION_TEXT, Json, ModeOpt, Version, lab
from rmqlab.cli.output import ProgressLine, err, escape, out, print_json, show_event

DEFAULT_OUT = Path("rmqlab-runs")
YES, NO = ("y", "yes"), ("n", "no")


@app.command()
def tour(
    mode: ModeOpt = DEFAULT_MODE,
    version: Version = DEFAULT_VERSION_TEXT,
    name: Annotated[Optional[str], typer.Option(
        "--name", "-n", help="Cluster name (default: tour-<mode>); a running one of the same layout is reused.")
    ] = None,
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help="Do not ask: show each question, then run it (for scripts and CI).")] = False,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the tour's run folder.")] = DEFAULT_OUT,
    image: Annotated[Optional[str], typer.Option("--image", help="Image to run (default: as rmqlab up).")] = None,
    hold: Annotated[Optional[float], typer.Option(
        "--hold", help="Seconds to watch for a takeover that may never come (default: twice the slowest election "
        "of an electing layout).")] = None,
    json: Json = False,
) -> None:
    """A guided tour of the seed's lab: predict what each fault does, then see what it did, measured, and why."""
    from rmqlab.api import BadInput, ClusterSpec, parse_mode, validate_cluster_name
    from rmqlab.api.tour import tour_spec

    chosen = parse_mode(mode)
    cluster_name = validate_cluster_name(name or f"tour-{chosen.value}")
    if hold is not None and not 1 <= hold <= 600:
        raise BadInput(f"--hold must be between 1 and 600 seconds, not {hold}.")
    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(f"--out {out_dir} is a file, not a folder.", hint="Name a folder for the run folder.")
    spec = tour_spec(ClusterSpec(mode=chosen, name=cluster_name, version=version))
    show = _Show(json)
    cluster = _build(spec, image, show)
    steps, final = _faults(cluster, out_dir, yes, hold, show)
    _pitfalls(show)
    show.line(f"\nThe cluster keeps running: `rmqlab status --name {cluster.name}`, "
              f"`rmqlab down --name {cluster.name}` removes it.")
    if json:
        print_json({"cluster": cluster.name, "mode": cluster.mode.value, "version": cluster.version, "steps": steps,
                    **final})


class _Show:
    """The tour's text: on stdout, or on stderr when --json keeps stdout for the data."""

    def __init__(self, json: bool):
        self.console = err() if json else out()

    def stage(self, title: str) -> None:
        self.console.print(f"\n[bold]== {escape(title)} ==[/]")

    def line(self, text: str, style: str | None = None) -> None:
        self.console.print(f"[{style}]{escape(text)}[/]" if style else escape(text))

    def print(self, renderable) -> None:
        self.console.print(renderable)


def _build(spec, image, show: _Show):
    from rmqlab.cli.status_view import status_table

    show.stage(f"1. The cluster: {spec.mode.value}, RocketMQ {spec.version}")
    with ProgressLine():
        started = lab().up(spec, image, on_event=show_event)
        if started.already_running:
            show_event_line = f"'{spec.name}' was running already: undoing every fault and starting what is down."
            show.line(show_event_line)
            lab().restore(spec.name, on_event=show_event)
    show.print(status_table(lab().status(spec.name)))
    code, listing = lab().admin(spec.name, ["clusterList"])
    show.line("RocketMQ's own view (mqadmin clusterList):", "bold")
    show.line(listing.rstrip() if code == 0 else f"mqadmin failed (exit {code}): {listing.strip()[-300:]}")
    return started.cluster


def _faults(cluster, out_dir: Path, yes: bool, hold: float | None, show: _Show):
    from rmqlab.api import tour as script

    steps, done, said = script.tour_steps(cluster), {}, []
    with lab().session(cluster.name, out_dir, label=f"tour-{cluster.mode.value}", workload=script.TOUR_WORKLOAD,
                       on_event=show_event) as session:
        held = hold or script.hold_seconds(cluster, session.meta_settings())
        for number, step in enumerate(steps, start=1):
            show.stage(f"{number + 1}. {step.title}")
            guess = _predict(step.question, yes, show)
            said.append(_one_step(session, cluster, step, done, number, held, guess, show))
        show.stage(f"{len(steps) + 2}. Everything back, every replica read")
        run_dir, meta, result = session.finish()
    totals = result.totals
    show.line(f"{totals['acknowledged_keys']:,} messages acknowledged during the tour, "
              f"{totals['acknowledged_lost']:,} lost, {totals['duplicated']:,} stored twice.")
    show.line(f"The tour's history and reports: {run_dir} (report.html; `rmqlab experiment report {run_dir}` "
              "checks it again).")
    return said, {"run_dir": str(run_dir), "totals": totals}


def _one_step(session, cluster, step, done: dict, number: int, hold: float, guess: bool | None, show: _Show) -> dict:
    from rmqlab.api import tour as script

    before = session.view.master(step.group)
    started = session.now()
    if step.undo_of is not None:
        undone_step, undone_fault, _ = done[step.undo_of]
        applied = session.apply("undo", undo=undone_step)
    else:
        undone_fault = None
        applied = session.apply(step.action, step.target)
    node = applied.nodes[0] if applied.nodes else None
    done[number] = (applied.step, applied.fault, node)
    show.line(f"Done: {step.action if step.undo_of is None else 'start'} {node or step.target} "
              f"at t={started:.1f} s.")
    if applied.fault is None:
        show.line("That fault did not happen (see the line above); nothing to measure.", "red")
        return {"question": step.question, "predicted": guess, "answer": None}
    watch = script.watch_for(step, cluster, session, started, before, node, hold)
    show.line(f"Watching: {watch.says}…")
    if not session.watch(watch.until, watch.timeout):
        show.line(f"(not settled within {watch.timeout:.0f} s: the answer below is what was seen until then)")
    history = session.events()
    found = script.answer(step, history, session.check(history), applied.fault, undone_fault, node)
    _show_answer(found, guess, step, show)
    return {"question": step.question, "predicted": guess, "fault": applied.fault, "node": node,
            "answer": found.to_dict()}


def _show_answer(found, guess: bool | None, step, show: _Show) -> None:
    show.line(f"Measured: {found.said}", "bold")
    if found.why:
        show.line(found.why if found.why.startswith("Why") else f"Why: {found.why}")
    if guess is not None and found.yes is not None:
        right = guess == found.yes
        show.line(f"You said {'yes' if guess else 'no'}: {'right' if right else 'not this time'}.",
                  "green" if right else "yellow")
    if step.lesson:
        show.line(step.lesson)


def _predict(question: str, yes: bool, show: _Show) -> bool | None:
    show.line(f"Predict: {question} [y/n]", "bold cyan")
    if yes:
        show.line("(--yes: not asked; here is what happens)")
        return None
    while True:
        try:
            reply = input("> ").strip().lower()
        except EOFError:
            from rmqlab.api import RmqlabError

            raise RmqlabError("No answer came on standard input.", hint="Run it in a terminal, or with --yes.") \
                from None
        if reply in YES or reply in NO:
            return reply in YES
        if not reply:
            return None
        show.line("Answer y or n (or press Enter to skip).")


def _pitfalls(show: _Show) -> None:
    show.stage("Pitfalls: the mistakes made by hand, and the lint rule that catches each")
    for pitfall, findings in lab().pitfall_rules():
        show.line(f"{pitfall.title} ({pitfall.name})", "bold")
        for finding in findings:
            show.line(f"  rmqlab lint ({finding.rule}): {finding.message}")
            show.line(f"  fix: {finding.fix}")
        if not findings:
            show.line(f"  rmqlab lint found nothing for rule {pitfall.rule}: that is a bug, please report it.", "red")
        show.line(f"  make it for real: rmqlab pitfall {pitfall.name}")
