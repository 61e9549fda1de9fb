"""The success operations a run starts at once, and the checks that share them.

Sent together, they show whether each gets an id of its own and comes to an end
(SUBMIT-UNIQUE, TRANS-OUTCOME). Before anything else reads them, the first two (on
the wall clock, three) are the safety trial: one read often, its twin once, to see
whether reads drive the work (STATUS-SAFE). Once all have ended, one that succeeded
gives the resource the DELETE cases remove. So a live target sees one batch, not a
batch, a trial and a run of its own for each.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .description import Description, Role
from .driver import CONNECTIONS, Driver, Poll, Reading, Run, Submission
from .observations import Concurrent, SafetyTrial

__all__ = ["BURST", "Batch", "batch_size", "start_batch", "trial_size", "try_again"]

#: Reads of the often-read operation in a safety trial.
BURST = 6


@dataclass
class Batch:
    concurrent: Concurrent
    trial: SafetyTrial

    def deletable(self) -> Run | None:
        """A run of the batch whose operation succeeded (its resource is there to delete);
        None when none did (the DELETE cases then make a run of their own)."""
        for run in self.concurrent.runs:
            terminal = run.terminal
            if terminal is not None and terminal.role is Role.SUCCESS:
                return run
        return None


def trial_size(real: bool) -> int:
    """Operations a safety trial reads: a twin read once, one read often, and on the wall
    clock a third left unread until the often-read one has had time twice over."""
    return 3 if real else 2


def batch_size(description: Description, real: bool, sparing: bool = False) -> int:
    """How many success submissions go at once: `polling.concurrency`, at least a trial's
    worth; `sparing` (the smoke profile against a live target), only the trial's."""
    if sparing:
        return trial_size(real)
    return max(description.polling.concurrency, trial_size(real))


def start_batch(driver: Driver, size: int, real: bool) -> Batch:
    """Submit `size` success operations at once, run the safety trial on the first ones
    as soon as they are answered, then follow every accepted one to its end."""
    wanted = trial_size(real)
    with ThreadPoolExecutor(max_workers=min(size, CONNECTIONS)) as pool:
        futures = [pool.submit(driver.submit, "success") for _ in range(size)]
        # The first ones go out first: their trial starts while the rest are still sent.
        early = [future.result() for future in futures[:wanted]]
        # On the wall clock the trial starts at once. Elsewhere time stands still until the
        # suite moves it: the trial waits for the others, and the transcript's order stays
        # the same run after run.
        ready = real and all(s.status_url is not None for s in early)
        trial = _begin(driver, early, real) if ready else None
        subs = [future.result() for future in futures]
    # In the order the target accepted them: the same operations carry the trial, run
    # after run, whichever thread got its answer first.
    subs.sort(key=lambda s: driver.operations.number(s.status_url) or len(subs) + 1)
    accepted = [s for s in subs if s.status_url is not None]
    if trial is None:  # or one of the first was refused (a 429, say): others of the batch serve
        early = accepted[:wanted] if len(accepted) >= wanted else early
        trial = _begin(driver, early, real)
    # On the wall clock, once the often-read one finished: the third is read, once, late.
    aged = early[2] if trial.often_age is not None else None
    # Together, polls interleaved in time: followed one after another, the last would
    # first be read long after it finished, and with a short window, gone.
    following = [s for s in accepted if s is not aged]
    runs = driver.follow_all(following)
    if aged is not None:
        # Read once, late, for the trial, then followed: not judged as one of the batch
        # (its first read is late by design, and its id may rightly be gone by then).
        _read_aged(driver, trial, aged)
        driver.follow(aged)
    return Batch(Concurrent(subs, runs), trial)


def try_again(driver: Driver, real: bool) -> SafetyTrial:
    """A second safety trial, on operations of its own (the wall clock's second look)."""
    subs = [driver.submit("success") for _ in range(trial_size(real))]
    trial = _begin(driver, subs, real)
    if trial.often_age is not None:
        _read_aged(driver, trial, subs[2])
    return trial


def _begin(driver: Driver, subs: list[Submission], real: bool) -> SafetyTrial:
    """The often-read operation's burst, then its twin's one read."""
    for sub in subs:
        if sub.status_url is None:
            return SafetyTrial(
                [], _placeholder(sub), problem=f"no status URL: {sub.location_problem}"
            )
    if len(subs) < trial_size(real):
        return SafetyTrial([], _placeholder(subs[0]), problem="too few operations to compare")
    once, often = subs[0], subs[1]
    assert once.status_url is not None and often.status_url is not None
    burst = driver.burst(often.status_url, BURST, "read often", often.jar)
    control = driver.poll(once.status_url, "read once", jar=once.jar)
    trial = SafetyTrial(burst, control, submissions=subs)
    done = next((p for p in burst if p.role is not None and p.role.terminal), None)
    if real and done is not None:
        trial.often_age = done.exchange.received_at - often.exchange.sent_at
    return trial


def _read_aged(driver: Driver, trial: SafetyTrial, aged: Submission) -> None:
    assert aged.status_url is not None and trial.often_age is not None
    interval = driver.description.polling.interval
    due = aged.exchange.sent_at + 2 * trial.often_age + interval
    driver.clock.sleep(due - driver.clock.now())
    trial.later = driver.poll(aged.status_url, "read once, late", jar=aged.jar)


def _placeholder(sub: Submission) -> Poll:
    """A stand-in read for a trial that could not start (its problem says why)."""
    return Poll(sub.exchange, None, Reading(None, None, "nothing"), 0.0, None)
