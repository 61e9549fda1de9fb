"""Edges of the robustness probes and the retention observation: which odd ids ROBUST-IDS may
send, what "invalid JSON" means, a listing that is not UTF-8, where the timed-out window starts
when no timeout anchor is asked for, and whose probes carry the first operation's scenario.

Each id test draws from the check's own strategy inside the test (no shared fixture): mutmut
maps a test to the functions it calls, and a cached draw would hide the later tests from it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import respx
from hypothesis import HealthCheck, Phase, find, settings

from conformance.budget import Budget
from conformance.checks import robustness
from conformance.driver import Exchange
from conformance.observations import Malformed
from conformance.retention import Bracket, Retained, completion, longest_wait, observe
from conformance.verdicts import ConformanceFailure

from .test_check_paths import _ex, _raises
from .test_retention_observe import Op, _description, _setup

BASE = "https://api.example.test"
ACCOUNTS = f"{BASE}/v1/accounts"

#: Draws as generated, not shrunk: the first id that meets a condition, within 500 draws.
AS_DRAWN = settings(
    max_examples=500,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# -- ROBUST-IDS: the ids the check may send -----------------------------------------------------

ODDITIES = ["../", "..%2F", "%00", "%2e%2e", "%", "%zz", " ", "\u00e9t\u00e9", "\U0001f600"]
# Plain ids: a node id with a space or non-ASCII cannot be named on pytest's command line.
ODDITY_IDS = ["dots", "encoded-slash", "nul", "encoded-dots", "percent", "bad-percent", "space"]
ODDITY_IDS += ["accents", "emoji"]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _an_id(condition: Any) -> str:
    """The first id the ROBUST-IDS strategy draws that meets `condition`."""
    return find(robustness._ids(), condition, settings=AS_DRAWN)


@pytest.mark.parametrize("oddity", ODDITIES, ids=ODDITY_IDS)
def test_each_odd_id_is_sent_exactly_as_written(oddity):
    # The case is in the spelling: an upper-case %2F, a lower-case %2e and an invalid %zz
    # reach different code in a server, and a lone space must not be padded into " x".
    assert _an_id(lambda other: other == oddity) == oddity


def test_a_well_formed_uuid_that_was_never_issued_is_sent():
    assert UUID.fullmatch(_an_id(lambda other: bool(UUID.fullmatch(other))))


def test_random_ids_as_short_as_one_character_are_sent():
    # The shortest id there is (the empty one would change the URL itself, not its id).
    assert len(_an_id(lambda other: len(other) == 1 and other not in ODDITIES)) == 1


def test_the_long_ids_sent_are_lower_case_uuid_characters_from_300_on():
    # Only their length is odd: a server failing on them fails on length, not on a character
    # the shorter probes already cover. (Not the all-zero id: that is only the simplest draw.)
    long = _an_id(lambda other: len(other) >= 300 and other.strip("0"))
    assert re.fullmatch(r"[0-9a-f-]{300,3000}", long)


# -- ROBUST-SUBMIT: what counts as invalid JSON, and a listing that is not UTF-8 ----------------


@pytest.mark.parametrize("content", [b"{}", b'{"a": 1}', b"[]", b"null", b'"x"'])
def test_a_body_that_parses_as_json_is_never_sent_as_invalid_json(content):
    # "{" followed by random text is sometimes valid ("{}"): it must not be sent as invalid
    # JSON that must be refused, or a server accepting {} would fail ROBUST-SUBMIT.
    assert robustness._not_json(content) is False


@pytest.mark.parametrize("content", [b"{", b"not json", b"\xff\xfe\x00", b"{'a': 1}"])
def test_a_body_that_does_not_parse_is_invalid_json(content):
    assert robustness._not_json(content) is True


class _Listing:
    """Refuses every malformed submission with 400; its listing then shows every marker it was
    sent, among bytes that are not UTF-8."""

    def __init__(self) -> None:
        self.sent: list[tuple[Malformed, Exchange]] = []
        self.listing = _ex(200, index=99, url=ACCOUNTS)

    def submit(self, bad: Malformed) -> Exchange:
        ex = _ex(400, index=len(self.sent) + 1, url=ACCOUNTS, method="POST")
        self.sent.append((bad, ex))
        return ex

    def settle(self) -> Exchange:
        markers = " ".join(bad.marker for bad, _ in self.sent if bad.marker)
        self.listing.body = b"\xff\xfe latin-1 \xe9t\xe9 " + markers.encode()
        return self.listing


def test_a_refused_submission_is_found_in_a_listing_that_is_not_utf8():
    # A listing in another encoding is still searched for the refused body's marker: it is
    # a FAIL naming the submission, not a crash of the check.
    server = _Listing()
    with _raises(ConformanceFailure) as failure:
        robustness.malformed_submissions_refused(
            server.submit, {"name": "acct", "size": 3}, Budget(examples=12), server.settle
        )
    marker, refused = next((bad.marker, ex) for bad, ex in server.sent if bad.marker)
    assert failure.value.requirement.id == "ROBUST-SUBMIT"
    assert failure.value.observed == (
        f"a submission refused with 400 shows up in GET {ACCOUNTS} ({marker!r})"
    )
    assert failure.value.expected == "a refused submission starts no operation and creates nothing"
    assert failure.value.exchanges == [refused, server.listing]


# -- retention: the timed-out window without a timeout anchor ------------------------------------


def test_a_declared_operation_timeout_alone_does_not_lengthen_the_announced_wait():
    # operation_timeout moves the window's start only with timeout_anchor = "timeout".
    description = _description(("timeout",), retention={"operation_timeout": 60.0})
    assert longest_wait(description) == 3600.0 + 1.0


@respx.mock
def test_a_declared_operation_timeout_alone_leaves_the_window_starting_at_submission():
    driver = _setup(
        ("timeout",), ops={"timeout": [Op(accept_latency=0.5)]}, retention={"operation_timeout": 60}
    )
    retained = observe(driver, real_clock=False).timed_out
    assert isinstance(retained, Retained)
    assert retained.start == Bracket(1000.0, 1000.5)
    assert retained.inside.at == 1000.0 + 3600.0 - 0.25
    assert retained.outside.at == 1000.5 + 3600.0 + 1.0 + 0.25


# -- retention: the first operation carries the probes, under its own scenario -------------------


@respx.mock
def test_when_the_first_is_bracketed_more_finely_its_probes_speak_of_its_scenario():
    # Each read of the twin takes 0.6 s, so the first operation's bracket is the finer one.
    driver = _setup(ops={"success": [Op(), Op(read_latency=0.6)]}, kept=250.0)
    retained = observe(driver, real_clock=False).completed["success"]
    assert isinstance(retained, Retained)
    first = retained.runs[0]
    assert retained.start == completion(first) == Bracket(1003.0, 1004.0)
    assert retained.scenario == "success"
    assert retained.inside.about == "the end of the success operation's completed window"
    assert retained.outside.about == "the success operation's id to expire"
    assert retained.inside.result is not None and retained.outside.result is not None
    probes = [retained.inside.result.exchange, retained.outside.result.exchange]
    assert [(e.label, e.url) for e in probes] == [
        ("retention success inside the window", "http://api.test/ops/success1"),
        ("retention success after the window", "http://api.test/ops/success1"),
    ]
