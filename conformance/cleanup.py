"""Leaving the target as the run found it: what the run made is taken apart at its end.

Every operation the run saw accepted may have made a resource: it is deleted with
the description's `[resource] delete`, once its operation has ended (one still
running is read until it ends, within the cleanup's budget). Then each setup's
teardown runs, the scenarios' first and the run-wide one last, with the values
its setup captured. This happens when the run fails or is interrupted too, and
within `cleanup.budget`, whatever is left of the run's own. Nothing here is
evidence: the exchanges are marked "cleanup" or "teardown", and no verdict reads
them. What could not be removed is listed with its URL and why, so that the user
can remove it by hand.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._words import counted
from .description import Role
from .driver import (
    Call,
    Driver,
    Exchange,
    Prepared,
    Run,
    StepFailed,
    Traced,
    run_steps,
    unfilled_names,
)

__all__ = ["Cleaned", "CleanupReport", "clean_up", "interrupted", "kept"]

#: What a DELETE may answer for a resource that is now gone, or going.
REMOVED = (200, 202, 204)
ALREADY_GONE = (404, 410)


@dataclass
class Cleaned:
    """One thing the run made, and what became of it."""

    what: str  # "the resource of a success operation", "scenarios.success.teardown (node=...)"
    url: str | None
    removed: bool
    how: str  # what was done, or why it was left
    exchanges: list[int] = field(default_factory=list)
    operation: int | None = None  # the operation whose resource it is
    #: What it is, whatever the words: ("operation", n), ("teardown" | "hook", setup), ...
    key: tuple[object, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "operation": self.operation,
            "url": self.url,
            "removed": self.removed,
            "how": self.how,
            "exchanges": self.exchanges,
        }


@dataclass
class CleanupReport:
    """What the cleanup did, for the terminal and the reports."""

    items: list[Cleaned] = field(default_factory=list)
    kept: bool = False  # --keep: nothing was removed on purpose
    interrupted: bool = False  # stopped part way (a second Ctrl-C)

    @property
    def left(self) -> list[Cleaned]:
        return [item for item in self.items if not item.removed]

    def as_dict(self) -> dict[str, Any]:
        return {"kept": self.kept, "items": [item.as_dict() for item in self.items]}


def _run_of(driver: Driver, traced: Traced) -> Run:
    """The traced operation as a Run: its reads, and where it ended, if it did."""
    run = Run(traced.submission, list(traced.reads))
    for index, poll in enumerate(run.polls):
        if poll.role is not None and poll.role.terminal:
            run.terminal_index = index
            break
    return run


def _see_ended(driver: Driver, runs: list[Run], deadline: float) -> dict[int, str]:
    """Read the operations not yet seen to end, all in rounds, until each ends, its polling
    budget (from its submission) is spent, or the cleanup's time is up; for each one that
    was not seen to end (by its index in `runs`), why.

    A timeout operation is read once: it is meant not to end.
    """
    polling = driver.description.polling
    unended: dict[int, str] = {}
    pending = []
    for index, run in enumerate(runs):
        if run.terminal_index is not None:
            continue
        if run.submission.status_url is None:
            unended[index] = "its submission named no status URL to see it end"
        else:
            pending.append(index)
    first = True
    while pending:
        if not first:
            if time.monotonic() >= deadline:
                break
            driver.clock.sleep(polling.interval)
        still = []
        for index in pending:
            run, url = runs[index], runs[index].submission.status_url
            assert url is not None
            poll = driver.poll(url, "cleanup: has it ended", jar=run.submission.jar)
            poll.exchange.role = "cleanup"
            run.polls.append(poll)
            if poll.role is not None and poll.role.terminal:
                run.terminal_index = len(run.polls) - 1
            elif not poll.answered or poll.exchange.status in ALREADY_GONE:
                got = poll.exchange.error or f"answered {poll.exchange.status}"
                unended[index] = f"its status could not be read (#{poll.exchange.index} {got})"
            elif (
                run.submission.scenario != "timeout"
                and driver.clock.now() < run.submission.exchange.sent_at + polling.budget
                and time.monotonic() < deadline
            ):
                still.append(index)
            else:
                unended[index] = f"it had not ended at its last read (state: {poll.state})"
        pending, first = still, False
    for index in pending:
        unended[index] = "it had not ended when the cleanup's time was up"
    return unended


def _unnamed(found: httpx.URL | Call) -> bool:
    return isinstance(found, Call) and found.unnamed


def _deleted_before(driver: Driver, url: str, run: Run) -> int | None:
    """The exchange of a case's DELETE that removed `url` after the operation ended, with a
    read after it that found it gone; None when there is none."""
    terminal = run.terminal
    after = (terminal or run.submission).exchange.index
    deleted: int | None = None
    exchange: Exchange
    for exchange in driver.transcript:
        if exchange.role or exchange.index <= after or exchange.url != url:
            continue
        if exchange.method == "DELETE":
            deleted = exchange.index if exchange.status in (*REMOVED, *ALREADY_GONE) else None
        elif deleted is not None and exchange.status in ALREADY_GONE:
            return deleted  # seen gone after the DELETE
    return None


def _resource(
    driver: Driver, traced: Traced, run: Run, unended: str, delete: bool, deadline: float
) -> Cleaned | None:
    """The resource of an operation that succeeded, deleted; None when it made none.

    An operation that failed made no resource: what its setup made, its teardown removes.
    """
    item = _resource_of(driver, traced, run, unended, delete, deadline)
    if item is not None:
        item.operation, item.key = traced.number, ("operation", traced.number)
    return item


def _resource_of(
    driver: Driver, traced: Traced, run: Run, unended: str, delete: bool, deadline: float
) -> Cleaned | None:
    scenario = traced.submission.scenario
    what = f"the resource of a {scenario} operation"
    found = driver.resource_call_url("delete", run)
    terminal = run.terminal
    if unended:
        status_url = traced.submission.status_url
        where = found if isinstance(found, httpx.URL) else status_url
        url = None if where is None else str(where)
        what = f"whatever a {scenario} operation made"
        return Cleaned(what, url, False, f"unknown: {unended}; the run cannot tell what it made")
    if terminal is None or terminal.role is not Role.SUCCESS:
        return None
    if isinstance(found, Call):
        return Cleaned(what, None, False, f"left: {found.problem}")
    url = str(found)
    earlier = _deleted_before(driver, url, run)
    if earlier is not None:
        return Cleaned(what, url, True, f"deleted by the run (#{earlier})", [earlier])
    if not delete:
        return Cleaned(what, url, False, "left: cleanup.delete_resources = false")
    if time.monotonic() >= deadline:
        return Cleaned(what, url, False, "left: the cleanup's budget was spent first")
    call = driver.resource_call("delete", run, f"cleanup: delete {what}")
    if call.exchange is None:
        return Cleaned(what, url, False, f"left: {call.problem}")
    exchange = call.exchange
    exchange.role = "cleanup"
    if exchange.status in REMOVED:
        how = f"deleted ({exchange.method} answered {exchange.status})"
    elif exchange.status in ALREADY_GONE:
        how = f"already gone ({exchange.method} answered {exchange.status})"
    else:
        got = exchange.error or f"answered {exchange.status}"
        return Cleaned(what, url, False, f"left: {exchange.method} {got}", [exchange.index])
    return Cleaned(what, url, True, how, [exchange.index])


def _teardown(driver: Driver, prepared: Prepared, deadline: float) -> list[Cleaned]:
    where = "teardown" if prepared.scope == "run" else f"scenarios.{prepared.scope}.teardown"
    subject = _subject(prepared)
    what = f"{where}{subject}"
    items: list[Cleaned] = []
    if prepared.refused:
        return items  # its first step failed: it made nothing to take apart
    if prepared.teardown:
        before = len(driver.transcript)
        unfilled = unfilled_names(prepared.teardown, prepared.values)
        if unfilled:
            names = ", ".join(f"{{{n}}}" for n in unfilled)
            how = f"not run: its setup stopped before it captured {names}"
            items.append(Cleaned(what, None, False, how))
        elif time.monotonic() >= deadline:
            items.append(Cleaned(what, None, False, "not run: the cleanup's budget was spent"))
        else:
            try:
                run_steps(driver, prepared.teardown, dict(prepared.values), where, "teardown")
            except StepFailed as failure:
                shown = [e.index for e in failure.exchanges]
                items.append(Cleaned(what, None, False, f"left: {failure}", shown))
            else:
                shown = [e.index for e in list(driver.transcript)[before:] if e.role == "teardown"]
                done = counted(len(prepared.teardown), "step")
                items.append(Cleaned(what, None, True, f"done ({done})", shown))
    if not prepared.teardown and prepared.undo is None and prepared.made:
        methods = ", ".join(f"{s.method.upper()} {s.path}" for s in prepared.made)
        setup = "setup" if prepared.scope == "run" else f"scenarios.{prepared.scope}.setup"
        how = f"left: no teardown is described for what {setup} made ({methods})"
        items.append(Cleaned(f"what {setup} made{subject}", None, False, how))
    for item in items:
        item.key = ("teardown", id(prepared))
    if prepared.undo is not None:
        label = f"the teardown conformance_setup returned{subject}"
        try:
            prepared.undo()
        except Exception as exc:  # the user's code
            items.append(Cleaned(label, None, False, f"left: it raised {exc!r}"))
        else:
            items.append(Cleaned(label, None, True, "called"))
        items[-1].key = ("hook", id(prepared))
    return items


def _subject(prepared: Prepared) -> str:
    """What a setup made, named by its captures: ` (node=1f3c..., etag=...)`."""
    captured = {
        k.removeprefix("setup."): v for k, v in prepared.values.items() if k.startswith("setup.")
    }
    if not captured:
        return ""
    # Whole: the recorder redacts what the user configured as secret; a cut could halve one.
    return " (" + ", ".join(f"{k}={v}" for k, v in captured.items()) + ")"


def clean_up(driver: Driver, report: CleanupReport | None = None) -> CleanupReport:
    """Remove what the run made, within cleanup.budget; say what was removed and what left.

    `report` is filled as it goes: interrupted (a second Ctrl-C), it holds what was done,
    and `interrupted` lists the rest as left.
    """
    description = driver.description
    deadline = time.monotonic() + description.cleanup.budget
    report = CleanupReport() if report is None else report
    with driver.guard.cleaning(description.cleanup.budget):
        traced = list(driver.operations)
        runs = [_run_of(driver, one) for one in traced]
        # Where the dialect names no resource, there is nothing to find, so nothing to wait for.
        named = [
            i for i, run in enumerate(runs) if not _unnamed(driver.resource_call_url("delete", run))
        ]
        # Those already ended first: waiting for the others must not spend their time.
        ended = [i for i in named if runs[i].terminal_index is not None]
        running = [i for i in named if runs[i].terminal_index is None]
        delete = description.cleanup.delete_resources
        for i in ended:
            item = _resource(driver, traced[i], runs[i], "", delete, deadline)
            if item is not None:
                report.items.append(item)
        unended = _see_ended(driver, [runs[i] for i in running], deadline)
        for position, i in enumerate(running):
            item = _resource(
                driver, traced[i], runs[i], unended.get(position, ""), delete, deadline
            )
            if item is not None:
                report.items.append(item)
        report.items.sort(key=lambda item: item.operation or 0)
        report.items += _untraced(driver)
        prepared = list(driver.preparation.prepared)
        scenarios = [p for p in prepared if p.scope != "run"]
        for one in [*reversed(scenarios), *(p for p in prepared if p.scope == "run")]:
            report.items += _teardown(driver, one, deadline)
    return report


def interrupted(driver: Driver, report: CleanupReport) -> None:
    """The cleanup was interrupted: what it had not reached is added to `report` as left."""
    done = {item.key for item in report.items}
    for item in kept(driver).items:
        if not item.removed and item.key not in done:
            item.how = "left: the cleanup was interrupted before it"
            report.items.append(item)


def _untraced(driver: Driver) -> list[Cleaned]:
    """What accepted requests with nothing to follow made: unknown, so listed as left."""
    items = []
    for what, exchange in driver.operations.untraced:
        how = (
            f"unknown: #{exchange.index} {exchange.method} {exchange.url} answered "
            f"{exchange.status}, and the run did not follow it; it cannot tell what it made"
        )
        key = ("untraced", exchange.index)
        items.append(Cleaned(what, None, False, how, [exchange.index], key=key))
    return items


def kept(driver: Driver) -> CleanupReport:
    """--keep: nothing is sent; what the run made is listed as left (what a case deleted,
    as removed; what was not seen to end, as unknown)."""
    report = CleanupReport(kept=True)
    for traced in driver.operations:
        run = _run_of(driver, traced)
        found = driver.resource_call_url("delete", run)
        terminal, scenario = run.terminal, traced.submission.scenario
        what = f"the resource of a {scenario} operation"
        if terminal is None and not _unnamed(found):
            where = found if isinstance(found, httpx.URL) else traced.submission.status_url
            how = "kept (--keep); it was not seen to end, so what it made is unknown"
            shown = None if where is None else str(where)
            item = Cleaned(f"whatever a {scenario} operation made", shown, False, how)
        elif (
            isinstance(found, httpx.URL) and terminal is not None and terminal.role is Role.SUCCESS
        ):
            earlier = _deleted_before(driver, str(found), run)
            if earlier is not None:
                how = f"deleted by the run (#{earlier})"
                item = Cleaned(what, str(found), True, how, [earlier])
            else:
                item = Cleaned(what, str(found), False, "kept (--keep)")
        else:
            continue
        item.operation, item.key = traced.number, ("operation", traced.number)
        report.items.append(item)
    for one in driver.preparation.prepared:
        if one.refused:
            continue  # it made nothing
        subject, scope = _subject(one), "" if one.scope == "run" else f"scenarios.{one.scope}."
        setup: Cleaned | None = None
        if one.teardown:
            setup = Cleaned(f"{scope}teardown{subject}", None, False, "not run (--keep)")
        elif one.made and one.undo is None:
            how = "kept (--keep); no teardown is described for it"
            setup = Cleaned(f"what {scope}setup made{subject}", None, False, how)
        if setup is not None:
            setup.key = ("teardown", id(one))
            report.items.append(setup)
        if one.undo is not None:
            label = f"the teardown conformance_setup returned{subject}"
            hook = Cleaned(label, None, False, "not called (--keep)", key=("hook", id(one)))
            report.items.append(hook)
    report.items += _untraced(driver)
    return report
