"""Named behaviours of the simulator: faults the suite must catch, quirks it must accept.

Each entry says what the suite is expected to conclude, so the project's own
tests can prove, fault by fault, that the suite catches it (and that each quirk,
correct if unusual, still passes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "BEHAVIOURS",
    "DIALECTS",
    "FAULTS",
    "QUIRKS",
    "RETENTION_FAULTS",
    "Behaviour",
    "check_names",
]


#: The dialects the simulator speaks.
DIALECTS = ("cloudcenter", "azure", "ogc-processes", "google-lro")
#: Dialects whose contract has a retention window, a 204 DELETE, state names, a 202 body.
RETAINING = ("cloudcenter", "azure")
DELETING_204 = ("cloudcenter",)
NAMING = ("cloudcenter", "azure", "ogc-processes")
ACCEPTING_202 = ("cloudcenter", "azure")


@dataclass(frozen=True)
class Behaviour:
    name: str
    description: str
    #: requirement id -> the verdict the suite must give it ("FAIL", "WARN", or "ERROR"
    #: where the suite must refuse to judge)
    expect: dict[str, str] = field(default_factory=dict)
    #: the clock modes in which the behaviour can happen at all
    clocks: frozenset[str] = frozenset({"virtual", "control", "real"})
    #: the dialects in whose contract the behaviour breaks what `expect` says
    dialects: frozenset[str] = frozenset(DIALECTS)
    #: more verdicts in some dialects only: dialect -> requirement id -> verdict
    also: dict[str, dict[str, str]] = field(default_factory=dict)

    def expected(self, dialect: str) -> dict[str, str]:
        """What the suite must conclude when the simulator speaks `dialect`."""
        return {**self.expect, **self.also.get(dialect, {})}


def _fault(
    name: str,
    description: str,
    clocks: Iterable[str] = ("virtual", "control", "real"),
    dialects: Iterable[str] = DIALECTS,
    **expect: str,
) -> Behaviour:
    return Behaviour(
        name,
        description,
        {k.replace("_", "-"): v for k, v in expect.items()},
        frozenset(clocks),
        frozenset(dialects),
    )


def _retained(name: str, description: str, **expect: str) -> Behaviour:
    """A fault of the retention windows: only dialects with windows can show it."""
    return _fault(name, description, dialects=RETAINING, **expect)


FAULTS: dict[str, Behaviour] = {
    b.name: b
    for b in [
        _fault(
            "submit-200",
            "The submission answers 200 OK instead of 202 Accepted (or 201 Created).",
            dialects=("cloudcenter", "ogc-processes"),
            SUBMIT_202="FAIL",
        ),
        _fault("no-location", "The 202 has no Location header.", SUBMIT_LOCATION="FAIL"),
        _fault(
            "location-404",
            "Location names a path that does not exist (a route typo).",
            SUBMIT_LOCATION="FAIL",
        ),
        _fault(
            "off-origin-location",
            "Location is absolute and names an internal host instead of the API's origin "
            "(the suite does not follow it, so it cannot be sure: WARN, with the way out; "
            "what needed the status is ERROR).",
            dialects=NAMING,
            SUBMIT_LOCATION="WARN",
            TRANS_OUTCOME="ERROR",
        ),
        _fault(
            "reused-ids",
            "Operation ids come from a shared slot cleared only after the record is stored, "
            "so overlapping submissions share one.",
            SUBMIT_UNIQUE="FAIL",
        ),
        _fault(
            "blocking-submit",
            "The submission waits for the work before answering 202 (so when it completed "
            "is known only to within the whole submission: retention is inconclusive). "
            "Not under a test clock: there time stands still until the suite moves it, so "
            "no work can be waited for.",
            clocks=("virtual", "real"),
            SUBMIT_NONBLOCKING="WARN",
            RETAIN_COMPLETED="WARN",
            EXPIRE_COMPLETED="WARN",
        ),
        _fault(
            "submit-body-text",
            "The 202 body is plain text, not a JSON status.",
            dialects=ACCEPTING_202,
            SUBMIT_BODY="WARN",
            STATUS_MEDIA_TYPE="WARN",
        ),
        _fault(
            "status-not-json",
            "The status resource answers text/plain.",
            STATUS_200_JSON="FAIL",
            STATUS_MEDIA_TYPE="WARN",
        ),
        _fault(
            "status-text-plain",
            "The status body is JSON but labelled text/plain.",
            STATUS_MEDIA_TYPE="WARN",
        ),
        dataclasses.replace(
            _fault(
                "unknown-state",
                "A running operation reports IN_PROGRESS.",
                STATUS_STATE_NAMES="FAIL",
            ),
            # The document lists the state names (google-lro's has none): the answers break it.
            also={
                d: {"SCHEMA-RESPONSES": "WARN"} for d in ("cloudcenter", "azure", "ogc-processes")
            },
        ),
        _fault(
            "wrong-operation-id",
            "The status body names another operation's id.",
            STATUS_ID_MATCH="FAIL",
        ),
        _fault("poll-advances", "Each status read moves the operation along.", STATUS_SAFE="FAIL"),
        _fault(
            "progress-decreases",
            "Progress goes down halfway through.",
            dialects=("cloudcenter", "ogc-processes"),
            STATUS_DETAILS="WARN",
        ),
        _fault(
            "terminal-flips",
            "A succeeded operation reports FAILED from 1.5 s after it completed.",
            TRANS_MODEL="FAIL",
        ),
        _fault(
            "flips-after-reads",
            "A succeeded operation reports FAILED from the fifth read after it completed.",
            TRANS_MODEL="FAIL",
        ),
        dataclasses.replace(
            _fault(
                "resource-vanishes",
                "The resource of a succeeded operation is lost 20 s after it appeared.",
                RESULT_URL="FAIL",
            ),
            # The synchronous read comes 20 s after the success run only where the DELETE
            # cases' waits come between them: in the dialects whose contract has them.
            also={d: {"SYNC-STATE": "FAIL"} for d in ("cloudcenter", "azure")},
        ),
        _fault(
            "wrong-outcome", "An operation that should fail ends SUCCESS.", TRANS_OUTCOME="FAIL"
        ),
        _fault("no-resource-url", "SUCCESS comes without the resource URL.", RESULT_URL="FAIL"),
        _fault("failed-no-msg", "FAILED comes without a message.", RESULT_FAILED_MSG="WARN"),
        _fault(
            "schema-drift",
            "A status's additionalParameters names come as numbers where the published "
            "document says strings.",
            dialects=("cloudcenter",),
            SCHEMA_RESPONSES="WARN",
        ),
        _fault(
            "sync-read-empty",
            "Reading the created resource answers 200 with no body.",
            SYNC_STATE="FAIL",
        ),
        _fault(
            "delete-200",
            "DELETE answers 200 with a JSON body.",
            dialects=DELETING_204,
            DELETE_204="FAIL",
        ),
        _fault(
            "delete-204-body",
            "DELETE answers 204 but sends a JSON body (and its Content-Length).",
            dialects=DELETING_204,
            DELETE_204="FAIL",
            DELETE_NO_CONTENT_LENGTH="WARN",
        ),
        _fault(
            "delete-content-length",
            "DELETE answers 204 with Content-Length: 0.",
            dialects=DELETING_204,
            DELETE_NO_CONTENT_LENGTH="WARN",
        ),
        _fault(
            "delete-never",
            "DELETE answers 204 but the resource is never deleted.",
            DELETE_GONE="FAIL",
        ),
    ]
}

QUIRKS: dict[str, Behaviour] = {
    b.name: b
    for b in [
        Behaviour(
            "relative-location",
            "Location is a relative reference with dot segments and no leading slash.",
            dialects=frozenset(NAMING),
        ),
        Behaviour(
            "absolute-location",
            "Location is an absolute URL on the API's own origin.",
            dialects=frozenset(NAMING),
        ),
        Behaviour("instant", "Operations are already finished at the first poll."),
        Behaviour("extra-fields", "Responses carry fields the contract does not mention."),
        Behaviour("retry-after", "The 202 and running statuses carry Retry-After: 2."),
        Behaviour(
            "markup-in-text",
            "Messages, an extra field and a response header carry HTML and script markup "
            "(reports must show it as text, never run it).",
        ),
    ]
}

ROBUSTNESS_FAULTS: dict[str, Behaviour] = {
    b.name: b
    for b in [
        _fault(
            "bad-body-500",
            "A submission whose body is not JSON answers 500 instead of 400.",
            ROBUST_SUBMIT="FAIL",
        ),
        _fault(
            "rejected-creates",
            "A submission refused with 400 (an unknown 'simulate') still creates its account.",
            ROBUST_SUBMIT="FAIL",
        ),
        _fault(
            "odd-id-500",
            "A status URL whose id has non-ASCII or control characters answers 500.",
            ROBUST_IDS="FAIL",
        ),
    ]
}

RETENTION_FAULTS: dict[str, Behaviour] = {
    b.name: b
    for b in [
        _retained(
            "retention-short",
            "Completed ids are dropped after 80 % of their window.",
            RETAIN_COMPLETED="FAIL",
        ),
        _retained(
            "window-1pct-short",
            "The completed window is 1 % short (297 s of 300).",
            RETAIN_COMPLETED="FAIL",
        ),
        _retained(
            "window-1pct-long",
            "The completed window is 1 % long (303 s of 300).",
            EXPIRE_COMPLETED="FAIL",
        ),
        _retained(
            "never-expires",
            "Operation ids are never dropped.",
            EXPIRE_COMPLETED="FAIL",
            RETAIN_TIMEOUT="FAIL",
        ),
        _retained(
            "failed-not-retained",
            "FAILED operations are dropped after a tenth of their window.",
            RETAIN_COMPLETED="FAIL",
        ),
        _retained(
            "timeout-five-minutes",
            "A timed-out operation gets the 5-minute window instead of 1 hour.",
            RETAIN_TIMEOUT="FAIL",
        ),
        _retained(
            "timeout-anchor-wrong",
            "The timed-out window starts at the other moment than configured "
            "(the operation's timeout instead of its submission, or the reverse).",
            RETAIN_TIMEOUT="FAIL",
        ),
        _retained(
            "expired-500",
            "An expired id answers 500 (a server error shows neither that the id is there "
            "nor that it is gone: the probes after the windows are inconclusive).",
            EXPIRED_404="FAIL",
            EXPIRE_COMPLETED="WARN",
            RETAIN_TIMEOUT="WARN",
        ),
        _fault(
            "unknown-200",
            "A never-issued id answers 200 with a RUNNING status.",
            EXPIRED_404="FAIL",
            ROBUST_IDS="FAIL",
        ),
    ]
}
FAULTS.update(RETENTION_FAULTS)
FAULTS.update(ROBUSTNESS_FAULTS)

BEHAVIOURS: dict[str, Behaviour] = {**FAULTS, **QUIRKS}


def check_names(names: Iterable[str], dialect: str = "cloudcenter") -> frozenset[str]:
    """Validate behaviour names for a simulator speaking `dialect`; the error lists what exists."""
    names = frozenset(names)
    unknown = sorted(names - BEHAVIOURS.keys())
    if unknown:
        raise ValueError(
            f"unknown simulator fault or quirk {', '.join(unknown)}; "
            f"faults: {', '.join(FAULTS)}; quirks: {', '.join(QUIRKS)}"
        )
    foreign = sorted(n for n in names if dialect not in BEHAVIOURS[n].dialects)
    if foreign:
        raise ValueError(
            f"{', '.join(foreign)} cannot happen in the {dialect} dialect (its contract has no "
            "such rule, or no such field); pick another fault or dialect"
        )
    return names
