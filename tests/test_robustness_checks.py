"""ROBUST-SUBMIT and ROBUST-IDS: what the generated bad input is, and how a server's answers to
it are judged and worded."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, find, settings

from conformance.budget import Budget
from conformance.checks import robustness
from conformance.driver import Exchange
from conformance.observations import Malformed
from conformance.verdicts import ConformanceFailure, collecting

BASE = "https://api.example.test"
SUBMIT = f"{BASE}/v1/accounts"
STATUS = f"{BASE}/v1/operationStatus/op1"
TEMPLATE = {"name": "acct", "size": 3, "tags": ["a", "b"], "owner": {"id": "u1"}}

E = TypeVar("E", bound=BaseException)


@contextlib.contextmanager
def _raises(kind: type[E], match: str = "") -> Iterator[pytest.ExceptionInfo[E]]:
    """`pytest.raises`, except that a verdict of another kind fails the test."""
    with pytest.raises(BaseException) as info:
        yield info  # type: ignore[misc]
    if not isinstance(info.value, kind):
        pytest.fail(f"{kind.__name__} expected, got {type(info.value).__name__}: {info.value}")
    assert re.search(match, str(info.value)), str(info.value)


def _ex(code: int | None, body: bytes = b"", *, index: int = 1, url: str = STATUS) -> Exchange:
    return Exchange(index, "x", "GET", url, [], b"", 0.0, 0.0, code, [], body)


def _drawn(condition: Any) -> Malformed:
    """The simplest malformed variant of the scenario's body that meets `condition`."""
    quiet = settings(
        max_examples=300, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    return find(robustness.malformed_bodies(TEMPLATE), condition, settings=quiet)


# -- ROBUST-SUBMIT: what is sent, and how it is judged -----------------------------------


def _parsed(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return ...


class _Server:
    """Refuses what is not JSON with 400 and answers the rest with `answer(parsed body)`, except
    that the bodies in `answers` get the code given there."""

    def __init__(self, answer: Any, listing: Any = None, answers: dict[bytes, int] | None = None):
        self.answer, self.listing, self.answers = answer, listing, answers or {}
        self.sent: list[Malformed] = []
        self.refused: list[Any] = []

    def submit(self, bad: Malformed) -> Exchange:
        self.sent.append(bad)
        body = _parsed(bad.content)
        code = self.answers.get(bad.content) or (400 if body is ... else self.answer(body))
        if 400 <= code < 500:
            self.refused.append(body)
        return _ex(code, index=len(self.sent), url=SUBMIT)

    def settle(self) -> Exchange | None:
        if self.listing is None:
            return None
        return _ex(200, json.dumps(self.listing(self.refused)).encode(), index=99, url=SUBMIT)

    def judge(self, examples: int = 40) -> None:
        budget = Budget(examples=examples)
        robustness.malformed_submissions_refused(self.submit, TEMPLATE, budget, self.settle)


@pytest.mark.parametrize("kind", [list, int, str], ids=["array", "number", "string"])
def test_json_arrays_numbers_and_strings_are_sent_as_bodies_that_must_be_refused(kind):
    bad = _drawn(
        lambda m: m.kind == "JSON that is not an object" and type(_parsed(m.content)) is kind
    )
    assert bad.strict
    assert bad.content_type == "application/json"


def test_a_server_that_fails_on_json_that_is_not_an_object_is_shown_the_smallest_such_body():
    # The README's example: a server answering 500 to a body such as [1] or 5.
    server = _Server(lambda body: 500 if isinstance(body, list | int | str) else 202)
    with _raises(ConformanceFailure) as failure:
        server.judge()
    assert failure.value.requirement.id == "ROBUST-SUBMIT"
    assert failure.value.observed == (
        "JSON that is not an object (application/json): '[]' answered 500"
    )
    assert failure.value.expected == "a 4xx refusal"


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        (b"", "an empty body (application/json): ''"),
        (b"null", "a JSON null body (application/json): 'null'"),
    ],
    ids=["empty", "null"],
)
def test_a_server_error_on_an_empty_or_null_body_fails_naming_it(content, shown):
    # Odd, not malformed: a server may read no body, or null, as "all defaults", so what is
    # expected is a refusal or an acceptance, not a 4xx alone.
    server = _Server(lambda body: 400, answers={content: 500})
    with _raises(ConformanceFailure) as failure:
        server.judge()
    assert failure.value.observed == f"{shown} answered 500"
    assert failure.value.expected == "a refusal (4xx) or an acceptance"


@pytest.mark.parametrize(
    "shown",
    [lambda body: body["tags"], lambda body: body["owner"]["id"]],
    ids=["in-a-list", "in-a-nested-object"],
)
def test_a_refused_submission_that_shows_up_later_by_a_nested_string_fails(shown):
    # Every string of the scenario's body carries the marker, so a listing that shows only a
    # nested field of what was refused still gives the refused submission away.
    def listing(refused: list[Any]) -> list[Any]:
        return [shown(body) for body in refused if isinstance(body, dict) and "tags" in body]

    server = _Server(lambda body: 400, listing)
    with _raises(ConformanceFailure) as failure:
        server.judge(examples=15)
    assert re.fullmatch(
        rf"a submission refused with 400 shows up in GET {SUBMIT} \('robust-[0-9a-f]{{12}}'\)",
        failure.value.observed,
    )


def test_random_invalid_json_is_an_object_cut_short():
    # Beside the fixed samples, invalid JSON looks like the request cut off mid-write.
    fixed = set(robustness._INVALID_JSON)
    bad = _drawn(lambda m: m.kind == "invalid JSON" and m.content not in fixed)
    assert bad.content.startswith(b"{")
    assert bad.strict


# -- ROBUST-IDS: the ids probed --------------------------------------------------------------

ODDITIES = ["../", "..%2F", "%00", "%2e%2e", "%", "%zz", " ", "\u00e9t\u00e9", "\U0001f600"]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def probed() -> list[str]:
    """The ids a check of 60 examples sends to a server that refuses them all."""
    sent: list[str] = []

    def probe(other: str) -> Exchange:
        sent.append(other)
        return _ex(404, index=len(sent))

    with collecting():
        robustness.unknown_ids_refused(probe, Budget(examples=60), frozenset())
    return sent


# Plain ids: a node id with a space or a backslash cannot be named on pytest's command line
# (mutmut names each test so).
ODDITY_IDS = ["dots", "encoded-slash", "nul", "encoded-dots", "percent", "bad-percent", "space"]
ODDITY_IDS += ["accents", "emoji"]


@pytest.mark.parametrize("oddity", ODDITIES, ids=ODDITY_IDS)
def test_path_traversal_broken_percent_encodings_a_space_and_non_ascii_are_probed_as_is(
    probed, oddity
):
    assert oddity in probed


def test_a_well_formed_uuid_that_was_never_issued_is_probed(probed):
    assert any(UUID.fullmatch(other) for other in probed)


def test_very_long_ids_are_made_of_uuid_characters_so_only_their_length_is_odd(probed):
    long = [other for other in probed if len(other) >= 300]
    assert long
    assert all(re.fullmatch(r"[0-9a-f-]+", other) for other in long)


def test_a_server_failing_on_ids_past_255_characters_is_shown_a_300_character_one():
    # 255 is a common limit of an id column; the long ids start past it, at 300.
    sent: list[str] = []

    def probe(other: str) -> Exchange:
        sent.append(other)
        return _ex(500 if len(other) > 255 else 404, index=len(sent))

    with _raises(ConformanceFailure) as failure:
        robustness.unknown_ids_refused(probe, Budget(examples=25), frozenset())
    assert failure.value.requirement.id == "ROBUST-IDS"
    assert len(sent[-1]) == 300
