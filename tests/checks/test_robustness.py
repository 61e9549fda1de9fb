"""ROBUST-SUBMIT and ROBUST-IDS: the bad input generated, how a server's answers to it are
judged, and the words of each verdict."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, find, settings

from conformance.budget import Budget
from conformance.checks import (
    robustness,
)
from conformance.driver import Ended, Exchange
from conformance.observations import Malformed
from conformance.verdicts import (
    Blocked,
    ConformanceFailure,
    NotObserved,
    collecting,
)
from tests.support.checks import (
    QUICK,
    citing,
    make_exchange,
    make_poll,
    make_run,
    raises_verdict,
    state_read,
)
from tests.support.driving import BASE, STATUS, SUBMIT
from tests.support.running import write

SUBMIT_HINT = (
    "Validate the request before starting work; a malformed body is the client's mistake "
    "(4xx), never the server's (5xx). "
)


class _RefusingServer:
    """Answers malformed submissions: `strict` ones (not JSON objects) and `lenient` (odd) ones."""

    def __init__(self, strict: int | None, lenient: int | None, listing: Exchange | None = None):
        self.strict, self.lenient, self.listing = strict, lenient, listing
        self.sent: list[tuple[Malformed, Exchange]] = []
        self.settled = 0

    def submit(self, bad: Malformed) -> Exchange:
        code = self.strict if bad.strict else self.lenient
        error = None if code is not None else "ConnectError: reset"
        ex = make_exchange(code, index=len(self.sent) + 1, url=SUBMIT, method="POST", error=error)
        self.sent.append((bad, ex))
        return ex

    def settle(self) -> Exchange | None:
        self.settled += 1
        return self.listing

    def markers(self) -> bytes:
        return " ".join(bad.marker for bad, _ in self.sent if bad.marker).encode()

    def judge(self, budget: Budget = QUICK) -> None:
        template = {"name": "acct", "size": 3}
        robustness.malformed_submissions_refused(self.submit, template, budget, self.settle)


class _Showing(_RefusingServer):
    """A server whose listing shows every marker it was sent (its refusals started work)."""

    def settle(self) -> Exchange | None:
        assert self.listing is not None
        self.listing.body = self.markers()
        return super().settle()


class _ShowingOdd(_RefusingServer):
    """A server whose listing shows the markers of the odd (lenient) submissions it was sent."""

    def settle(self) -> Exchange | None:
        assert self.listing is not None
        self.listing.body = " ".join(b.marker for b, _ in self.sent if not b.strict).encode()
        return super().settle()


IDS_HINT = (
    "Look the id up and answer 404 for anything not issued, whatever its characters; never let "
    "it reach code that fails with 5xx. "
)


class _Ids:
    def __init__(self, answer: Callable[[str], int | None]):
        self.answer = answer
        self.sent: list[Exchange] = []

    def probe(self, other: str, kind: str = "") -> Exchange:
        code = self.answer(other)
        error = None if code is not None else "ConnectError: reset"
        ex = make_exchange(code, index=len(self.sent), error=error)
        self.sent.append(ex)
        return ex


ACCOUNTS = f"{BASE}/v1/accounts"


#: Draws as generated, not shrunk: the first id that meets a condition, within 500 draws.
AS_DRAWN = settings(
    max_examples=500,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


ODDITIES = ["../", "..%2F", "%00", "%2e%2e", "%", "%zz", " ", "\u00e9t\u00e9", "\U0001f600"]


# Plain ids: a node id with a space or a backslash cannot be named on pytest's command line
# (mutmut names each test so).
ODDITY_IDS = [
    *("dots", "encoded-slash", "nul", "encoded-dots", "percent", "bad-percent", "space"),
    *("accents", "emoji"),
]


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _an_id(condition: Any) -> str:
    """The first id the ROBUST-IDS strategy draws that meets `condition`."""
    return find(robustness._ids(), condition, settings=AS_DRAWN)


class _Listing:
    """Refuses every malformed submission with 400; its listing then shows every marker it was
    sent, among bytes that are not UTF-8."""

    def __init__(self) -> None:
        self.sent: list[tuple[Malformed, Exchange]] = []
        self.listing = make_exchange(200, index=99, url=ACCOUNTS)

    def submit(self, bad: Malformed) -> Exchange:
        ex = make_exchange(400, index=len(self.sent) + 1, url=ACCOUNTS, method="POST")
        self.sent.append((bad, ex))
        return ex

    def settle(self) -> Exchange:
        markers = " ".join(bad.marker for bad, _ in self.sent if bad.marker)
        self.listing.body = b"\xff\xfe latin-1 \xe9t\xe9 " + markers.encode()
        return self.listing


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


def _parsed(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return ...


class _Server:
    """Refuses what is not JSON with 400 and answers the rest with `answer(parsed body)`, except
    that the bodies in `answers` get the code given there. With `drawn_only`, the coverage set
    is refused with 400 whatever it is: what the random draws find is seen."""

    def __init__(
        self,
        answer: Any,
        listing: Any = None,
        answers: dict[bytes, int] | None = None,
        drawn_only: bool = False,
    ):
        self.answer, self.listing, self.answers = answer, listing, answers or {}
        self.drawn_only = drawn_only
        self.sent: list[Malformed] = []
        self.refused: list[Any] = []

    def submit(self, bad: Malformed) -> Exchange:
        self.sent.append(bad)
        body = _parsed(bad.content)
        code = self.answers.get(bad.content) or (400 if body is ... else self.answer(body))
        if self.drawn_only and bad.variant:
            return _ex(400, index=len(self.sent), url=ACCOUNTS)
        if 400 <= code < 500:
            self.refused.append(body)
        return _ex(code, index=len(self.sent), url=ACCOUNTS)

    def settle(self) -> Exchange | None:
        if self.listing is None:
            return None
        return _ex(200, json.dumps(self.listing(self.refused)).encode(), index=99, url=ACCOUNTS)

    def judge(self, examples: int = 40) -> None:
        budget = Budget(examples=examples)
        robustness.malformed_submissions_refused(self.submit, TEMPLATE, budget, self.settle)


@pytest.fixture(scope="module")
def probed() -> list[str]:
    """The ids a check of 60 examples draws, to a server that refuses them all (the fixed
    classes sent first left out)."""
    sent: list[str] = []

    def probe(other: str, kind: str = "") -> Exchange:
        if not kind:
            sent.append(other)
        return _ex(404, index=len(sent))

    with collecting():
        robustness.unknown_ids_refused(probe, Budget(examples=60), frozenset())
    return sent


NESTED = {
    "a": {"b": {"c": {"d": 1}}},
    "n": 2.5,
    "s": "x-{uuid}-{n}",
    "z": None,
    "l": [{"k": True}, {"k": False}],
}


#: The value each other JSON type is sent as (a string is the variant's marker).
SAMPLES = {"number": 1, "boolean": True, "array": [], "object": {}}


TYPES = {"null": "null", "boolean": "a boolean", "number": "a number", "string": "a string"}
TYPES |= {"array": "an array", "object": "an object"}


ARTICLE = {"number": "an integer", "string": "a string", "boolean": "a boolean"}
ARTICLE |= {"array": "an array", "object": "an object"}


def _token(i: int) -> str:
    return f"{i:012x}{'f' * 20}"


def _tokens() -> Any:
    """Fresh tokens _token(1), _token(2), ...: a coverage set made with them is always the same."""
    count = iter(range(1, 10_000))
    return lambda: _token(next(count))


def _type(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "null" if value is None else "boolean"
    kinds = {int: "number", float: "number", str: "string", list: "array", dict: "object"}
    return kinds[type(value)]


def _filled(value: Any, token: str, n: int) -> Any:
    return json.loads(json.dumps(value).replace("{uuid}", token).replace("{n}", str(n)))


def _without(body: Any, pointer: str) -> Any:
    *parents, last = [int(p) if p.isdigit() else p for p in pointer.strip("/").split("/")]
    for key in parents:
        body = body[key]
    del body[last]


def _set(body: Any, pointer: str, value: Any) -> None:
    *parents, last = [int(p) if p.isdigit() else p for p in pointer.strip("/").split("/")]
    for key in parents:
        body = body[key]
    body[last] = value


def _at(body: Any, pointer: str) -> Any:
    for key in [int(p) if p.isdigit() else p for p in pointer.strip("/").split("/")]:
        body = body[key]
    return body


class _IdServer:
    def __init__(self, answer: Any = lambda other, kind: 404):
        self.answer = answer
        self.sent: list[tuple[str, str]] = []

    def probe(self, other: str, kind: str = "") -> Exchange:
        self.sent.append((other, kind))
        return _ex(self.answer(other, kind), index=len(self.sent))


@pytest.mark.parametrize("template", [None, ["a"], "text"])
def test_a_scenario_without_a_json_object_has_nothing_to_make_malformed(template):
    with raises_verdict(NotObserved) as skipped:
        robustness.malformed_submissions_refused(
            lambda bad: make_exchange(400), template, QUICK, list
        )
    assert skipped.value.reason == "the scenario sends no JSON object to make malformed variants of"


@pytest.mark.parametrize(("strict", "lenient"), [(400, 422), (499, 400)])
def test_refusals_that_do_not_show_up_later_pass_citing_the_listing(strict, lenient):
    listing = make_exchange(200, b'{"items": []}', index=99, url=SUBMIT)
    server = _RefusingServer(strict, lenient, listing)
    with citing() as cited:
        server.judge()
    assert server.settled == 1
    n = len(server.sent)
    assert [c.what for c in cited] == [
        f"{n} malformed submissions got no server error, and a 4xx each one that is not a "
        "JSON object: first 19 made from the scenario's body (the body as another JSON type, "
        f"cut short and empty; 2 fields as every other JSON type, as null and removed), then "
        f"{n - 19} drawn at random"
    ]
    spread = [server.sent[round(i * (n - 1) / 7)][1] for i in range(8)]
    assert list(cited[0].exchanges) == [*spread, listing]


def test_with_odd_input_accepted_the_refused_json_string_body_is_still_looked_for():
    # The coverage set's JSON string body is the variant's marker: refused, it is looked for.
    listing = make_exchange(200, index=99)
    server = _RefusingServer(400, 202, listing)
    with citing() as cited:
        server.judge()
    assert server.settled == 1
    assert cited[0].exchanges[-1] is listing


def test_without_a_listing_the_refusals_alone_are_cited():
    server = _RefusingServer(400, 400, None)
    with citing() as cited:
        server.judge()
    assert server.settled == 1
    n = len(server.sent)
    assert list(cited[0].exchanges) == [server.sent[round(i * (n - 1) / 7)][1] for i in range(8)]


def test_a_refused_submission_that_shows_up_later_fails():
    listing = make_exchange(200, index=99, url=f"{BASE}/v1/accounts")
    server = _Showing(400, 400, listing)
    with raises_verdict(ConformanceFailure) as failure:
        server.judge()
    refused = next(ex for bad, ex in server.sent if bad.marker)
    marker = next(bad.marker for bad, _ in server.sent if bad.marker)
    assert failure.value.requirement.id == "ROBUST-SUBMIT"
    assert failure.value.observed == (
        f"a submission refused with 400 shows up in GET {BASE}/v1/accounts ({marker!r})"
    )
    assert failure.value.expected == "a refused submission starts no operation and creates nothing"
    assert failure.value.exchanges == [refused, listing]


def test_a_listing_that_got_no_answer_shows_nothing():
    listing = make_exchange(None, index=99, error="ReadError: reset")
    server = _Showing(400, 400, listing)
    with citing() as cited:
        server.judge()
    assert cited[0].exchanges[-1] is listing


@pytest.mark.parametrize(
    ("strict", "lenient", "shown", "expected"),
    [
        (500, 400, "500", "a 4xx refusal"),
        (399, 400, "399", "a 4xx refusal"),
        (202, 400, "202", "a 4xx refusal"),
        (400, 500, "500", "a refusal (4xx) or an acceptance"),
        (400, None, "ConnectError: reset", "a refusal (4xx) or an acceptance"),
    ],
)
def test_a_malformed_submission_answered_wrongly_fails(strict, lenient, shown, expected):
    server = _RefusingServer(strict, lenient)
    with raises_verdict(ConformanceFailure) as failure:
        server.judge(Budget(examples=12, rerun="pytest --conformance-seed=1"))
    last_bad, last_ex = server.sent[-1]
    assert last_bad.variant  # the coverage set, sent first, finds it
    assert failure.value.observed == f"{shown} to {last_bad.variant}"
    assert failure.value.expected == expected
    assert failure.value.exchanges == [last_ex]
    assert failure.value.hint == (
        SUBMIT_HINT + "Rerun (the same inputs every run): pytest --conformance-seed=1"
    )


def test_odd_input_may_be_accepted_or_redirected_but_not_refused_with_5xx():
    # Redirected is not refused: what the listing shows of the redirected ones is no failure.
    listing = make_exchange(200, index=99, url=f"{BASE}/v1/accounts")
    server = _ShowingOdd(400, 302, listing)
    with citing():
        server.judge()
    assert server.settled == 1 and listing.body.strip()


def test_a_status_url_with_no_place_for_an_id_is_not_observed():
    with raises_verdict(NotObserved) as skipped:
        robustness.unknown_ids_refused(
            lambda other, kind="": "no id in the URL", QUICK, frozenset()
        )
    assert skipped.value.reason == "no id in the URL"


@pytest.mark.parametrize(("code", "allowed"), [(404, frozenset()), (403, frozenset({403}))])
def test_refused_ids_pass_citing_the_first_eight(code, allowed):
    ids = _Ids(lambda other: code)
    with citing() as cited:
        robustness.unknown_ids_refused(ids.probe, QUICK, allowed)
    n = len(ids.sent)
    assert [c.what for c in cited] == [
        f"{n} ids never issued were refused: first 10 of fixed classes (never issued, a uuid, "
        "a number, 1024 characters, unicode, a slash, a parent segment, spaces, a percent "
        f"sign, a NUL character), then {n - 10} drawn at random"
    ]
    assert list(cited[0].exchanges) == [ids.sent[round(i * (n - 1) / 7)] for i in range(8)]


@pytest.mark.parametrize(
    ("code", "allowed", "listed"),
    [
        (500, frozenset(), "[400, 404, 410, 414]"),
        (200, frozenset({403}), "[400, 403, 404, 410, 414]"),
        (None, frozenset(), "[400, 404, 410, 414]"),
    ],
)
def test_a_never_issued_id_that_is_not_refused_fails_first(code, allowed, listed):
    ids = _Ids(lambda other: code if other.startswith("robust-") else 404)
    with raises_verdict(ConformanceFailure) as failure:
        robustness.unknown_ids_refused(ids.probe, Budget(rerun="again"), allowed)
    shown = code or "ConnectError: reset"
    assert re.fullmatch(
        rf"the id 'robust-[0-9a-f]{{8}}' \(never issued\) answered {shown}", failure.value.observed
    )
    assert failure.value.expected == f"one of {listed}: an unknown id is a client's mistake"
    assert failure.value.exchanges == [ids.sent[0]]
    assert failure.value.hint == IDS_HINT + "Rerun (the same inputs every run): again"
    assert len(ids.sent) == 1


def test_a_long_malformed_id_that_fails_is_quoted_to_60_characters():
    ids = _Ids(lambda other: 500 if len(other) > 100 else 404)
    with raises_verdict(ConformanceFailure) as failure:
        robustness.unknown_ids_refused(ids.probe, QUICK, frozenset())
    shown = ("0123456789abcdef" * 4)[:60]
    assert failure.value.observed == f"the id '{shown}' (1024 characters) answered 500"
    assert failure.value.exchanges == [ids.sent[-1]]


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


@pytest.mark.parametrize("content", [b"{}", b'{"a": 1}', b"[]", b"null", b'"x"'])
def test_a_body_that_parses_as_json_is_never_sent_as_invalid_json(content):
    # "{" followed by random text is sometimes valid ("{}"): it must not be sent as invalid
    # JSON that must be refused, or a server accepting {} would fail ROBUST-SUBMIT.
    assert robustness._not_json(content) is False


@pytest.mark.parametrize("content", [b"{", b"not json", b"\xff\xfe\x00", b"{'a': 1}"])
def test_a_body_that_does_not_parse_is_invalid_json(content):
    assert robustness._not_json(content) is True


def test_a_refused_submission_is_found_in_a_listing_that_is_not_utf8():
    # A listing in another encoding is still searched for the refused body's marker: it is
    # a FAIL naming the submission, not a crash of the check.
    server = _Listing()
    with raises_verdict(ConformanceFailure) as failure:
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


@pytest.mark.parametrize("kind", [list, int, str], ids=["array", "number", "string"])
def test_json_arrays_numbers_and_strings_are_sent_as_bodies_that_must_be_refused(kind):
    bad = _drawn(
        lambda m: m.kind == "JSON that is not an object" and type(_parsed(m.content)) is kind
    )
    assert bad.strict
    assert bad.content_type == "application/json"


def test_a_server_that_fails_on_json_that_is_not_an_object_is_shown_the_smallest_such_body():
    # The README's example: a server answering 500 to a body such as [1] or 5. (The coverage
    # set sends such bodies first; here the server refuses those, so the draws show theirs.)
    server = _Server(
        lambda body: 500 if isinstance(body, list | int | str) else 202, drawn_only=True
    )
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
        (b"", "500 to an empty body instead of the scenario's object"),
        (b"null", "500 to JSON null instead of the scenario's object"),
    ],
    ids=["empty", "null"],
)
def test_a_server_error_on_an_empty_or_null_body_fails_naming_it(content, shown):
    # Odd, not malformed: a server may read no body, or null, as "all defaults", so what is
    # expected is a refusal or an acceptance, not a 4xx alone.
    server = _Server(lambda body: 400, answers={content: 500})
    with _raises(ConformanceFailure) as failure:
        server.judge()
    assert failure.value.observed == shown
    assert failure.value.expected == "a refusal (4xx) or an acceptance"


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        (b"", "an empty body (application/json): ''"),
        (b"null", "a JSON null body (application/json): 'null'"),
    ],
    ids=["empty", "null"],
)
def test_a_drawn_empty_or_null_body_that_fails_is_shown_as_sent(content, shown):
    server = _Server(lambda body: 400, answers={content: 500}, drawn_only=True)
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

    server = _Server(lambda body: 400, listing, drawn_only=True)
    with _raises(ConformanceFailure) as failure:
        server.judge(examples=15)
    assert re.fullmatch(
        rf"a submission refused with 400 shows up in GET {ACCOUNTS} \('robust-[0-9a-f]{{12}}'\)",
        failure.value.observed,
    )


def test_random_invalid_json_is_an_object_cut_short():
    # Beside the fixed samples, invalid JSON looks like the request cut off mid-write.
    fixed = set(robustness._INVALID_JSON)
    bad = _drawn(lambda m: m.kind == "invalid JSON" and m.content not in fixed)
    assert bad.content.startswith(b"{")
    assert bad.strict


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
    # (The fixed class of 1024 characters is refused here, so the draws show theirs.)
    sent: list[str] = []

    def probe(other: str, kind: str = "") -> Exchange:
        sent.append(other)
        return _ex(500 if len(other) > 255 and not kind else 404, index=len(sent))

    with _raises(ConformanceFailure) as failure:
        robustness.unknown_ids_refused(probe, Budget(examples=25), frozenset())
    assert failure.value.requirement.id == "ROBUST-IDS"
    assert len(sent[-1]) == 300


def test_the_body_itself_is_sent_as_another_json_type_cut_short_and_empty_first():
    cover = robustness.coverage_set(NESTED, fresh=_tokens())
    body = _filled(NESTED, _token(1), 0)
    first = cover.variants[:7]
    assert [(v.kind, v.strict) for v in first] == [
        ("the body in an array", True),
        ("the body as a string", True),
        ("the body as an integer", True),
        ("the body as a boolean", True),
        ("the body as null", False),
        ("the body cut short", True),
        ("no body", False),
    ]
    assert json.loads(first[0].content) == [body]
    assert json.loads(first[1].content) == f"robust-{_token(2)[:12]}"
    assert [v.content for v in first[2:5]] == [b"1", b"true", b"null"]
    assert first[5].content == json.dumps(_filled(NESTED, _token(6), 5)).encode()[:-1]
    assert _parsed(first[5].content) is ...  # not JSON
    assert first[6].content == b""
    assert first[0].variant == "the scenario's body wrapped in an array"
    assert first[2].variant == "a JSON integer (1) instead of the scenario's object"
    assert all(v.content_type == "application/json" for v in cover.variants)


def test_every_field_to_depth_3_is_sent_as_each_other_json_type_as_null_and_removed():
    cover = robustness.coverage_set(NESTED, fresh=_tokens())
    # Shallowest first, in the body's order; an array's first item stands for its items.
    assert cover.fields == ("/a", "/n", "/s", "/z", "/l", "/a/b", "/l/0", "/a/b/c", "/l/0/k")
    assert cover.deeper == ("/a/b/c/d",)
    assert cover.left_out == ()
    variants = cover.variants[7:]
    assert len(variants) == 6 * len(cover.fields)
    for i, (field, bad) in enumerate(
        zip([f for f in cover.fields for _ in range(6)], variants, strict=True)
    ):
        token, n = _token(i + 8), i + 7
        expected = _filled(NESTED, token, n)
        own = _type(_at(_filled(NESTED, token, n), field))
        sent = json.loads(bad.content)
        assert not bad.strict
        if bad.kind == f"{field} removed":
            _without(expected, field)
            assert bad.variant == f"the scenario's body without {field}"
        elif bad.kind == f"{field} as null":
            _set(expected, field, None)
            assert (
                bad.variant == f"the scenario's body with {field} as null instead of {TYPES[own]}"
            )
        else:
            kind = _type(_at(sent, field))
            assert kind != own
            assert bad.kind == f"{field} as {ARTICLE[kind]}"
            value = f"robust-{token[:12]}" if kind == "string" else SAMPLES[kind]
            _set(expected, field, value)
            shown = "" if kind == "string" else f" ({json.dumps(value)})"
            assert bad.variant == (
                f"the scenario's body with {field} as {ARTICLE[kind]}{shown} "
                f"instead of {TYPES[own]}"
            )
        assert sent == expected, bad.kind
    # Each field: every other type (four, for a number none other), null (unless it is
    # null) and removed.
    kinds = [v.kind for v in variants]
    assert kinds[:6] == [
        "/a as an integer",
        "/a as a string",
        "/a as a boolean",
        "/a as an array",
        "/a as null",
        "/a removed",
    ]
    assert [k for k in kinds if k.startswith("/z ")] == [
        "/z as an integer",
        "/z as a string",
        "/z as a boolean",
        "/z as an array",
        "/z as an object",
        "/z removed",
    ]
    assert "/n as an integer" not in kinds
    assert "/a/b/c/d as null" not in kinds


def test_placeholders_are_filled_and_the_token_marks_the_variants_that_carry_it():
    cover = robustness.coverage_set({"name": "job-{uuid}", "seq": "{n}", "k": 1}, fresh=_tokens())
    for i, bad in enumerate(cover.variants):
        assert b"{uuid}" not in bad.content and b"{n}" not in bad.content
        token = _token(i + 1)
        if token[:12].encode() in bad.content:
            assert bad.marker == token[:12]
        else:
            assert bad.marker == ""
    assert json.loads(cover.variants[0].content) == [
        {"name": f"job-{_token(1)}", "seq": "0", "k": 1}
    ]
    removed = next(v for v in cover.variants if v.kind == "/name removed")
    assert removed.marker == ""  # the token went with the field
    as_string = next(v for v in cover.variants if v.kind == "/k as a string")
    assert json.loads(as_string.content)["k"] == f"robust-{as_string.marker}"


def test_the_fields_past_the_limit_are_left_out_and_said():
    many = {f"f{i:02}": i for i in range(25)}
    cover = robustness.coverage_set(many)
    assert len(cover.variants) == 7 + 6 * robustness.COVERAGE_FIELDS
    assert cover.fields == tuple(f"/f{i:02}" for i in range(20))
    assert cover.left_out == ("/f20", "/f21", "/f22", "/f23", "/f24")
    assert cover.said() == (
        "the body as another JSON type, cut short and empty; 20 fields as every other JSON "
        "type, as null and removed; not varied, beyond the first 20 fields: /f20, /f21, /f22, "
        "/f23 and 1 more"
    )
    small = robustness.coverage_set(many, limit=2)
    assert small.fields == ("/f00", "/f01") and len(small.left_out) == 23


def test_pointers_escape_slashes_and_tildes_in_field_names():
    cover = robustness.coverage_set({"a/b": 1, "c~d": 2})
    assert cover.fields == ("/a~1b", "/c~0d")
    assert (
        robustness.coverage_set({}).said() == "the body as another JSON type, cut short and empty"
    )
    deep = robustness.coverage_set({"a": {"b": {"c": {"d": 1, "e": 2}}}})
    assert deep.said().endswith(
        "; varied only as part of their parent, being deeper than 3 levels: /a/b/c/d, /a/b/c/e"
    )


@pytest.mark.parametrize("examples", [1, 10, 25])
def test_the_coverage_set_is_sent_first_and_whole_whatever_the_profile(examples):
    server = _Server(lambda body: 202 if isinstance(body, dict) else 400)
    server.judge(examples=examples)
    fixed = len(robustness.coverage_set(TEMPLATE).variants)
    assert fixed == 7 + 6 * 6  # /name, /size, /tags, /owner, /tags/0, /owner/id
    assert [bad.kind for bad in server.sent[:fixed]] == [
        v.kind for v in robustness.coverage_set(TEMPLATE).variants
    ]
    assert all(bad.variant == "" for bad in server.sent[fixed:])
    assert len(server.sent) > fixed


def test_a_server_error_on_a_nested_field_of_another_type_fails_naming_the_field():
    def answer(body: Any) -> int:
        if not isinstance(body, dict):
            return 400
        owner = body.get("owner")
        return 500 if isinstance(owner, dict) and isinstance(owner.get("id"), int) else 202

    server = _Server(answer)
    with _raises(ConformanceFailure) as failure:
        server.judge()
    assert failure.value.observed == (
        "500 to the scenario's body with /owner/id as an integer (1) instead of a string"
    )
    assert failure.value.expected == "a refusal (4xx) or an acceptance"
    assert server.sent[-1].kind == "/owner/id as an integer"
    assert all(bad.variant for bad in server.sent)  # found before any random draw


def test_a_pass_says_what_the_coverage_set_and_the_draws_sent():
    server = _Server(lambda body: 202 if isinstance(body, dict) and len(body) == 4 else 400)
    with collecting() as cited:
        server.judge(examples=5)
    n = len(server.sent)
    assert [c.what for c in cited] == [
        f"{n} malformed submissions got no server error, and a 4xx each one that is not a JSON "
        "object: first 43 made from the scenario's body (the body as another JSON type, cut "
        "short and empty; 6 fields as every other JSON type, as null and removed), then "
        f"{n - 43} drawn at random"
    ]
    # Eight exchanges, spread from the first to the last.
    assert [e.index for e in cited[0].exchanges] == [round(i * (n - 1) / 7) + 1 for i in range(8)]


def test_the_fixed_id_classes_are_probed_first_then_the_draws():
    server = _IdServer()
    with collecting() as cited:
        robustness.unknown_ids_refused(server.probe, Budget(examples=10), frozenset(), "op-1")
    kinds = [kind for _, kind in server.sent]
    fixed = [
        "never issued",
        "a uuid",
        "a number",
        "1024 characters",
        "unicode",
        "a slash",
        "a parent segment",
        "spaces",
        "a percent sign",
        "a NUL character",
    ]
    assert kinds[: len(fixed)] == fixed
    assert set(kinds[len(fixed) :]) == {""}
    ids = dict((kind, other) for other, kind in server.sent[: len(fixed)])
    assert re.fullmatch(r"robust-[0-9a-f]{8}", ids["never issued"])
    assert UUID.fullmatch(ids["a uuid"])
    assert ids["a number"].isdigit() and len(ids["1024 characters"]) == 1024
    assert "/" in ids["a slash"] and ids["a parent segment"] == "../" and " " in ids["spaces"]
    assert "%" in ids["a percent sign"] and "\x00" in ids["a NUL character"]
    assert any(ord(c) > 127 for c in ids["unicode"])
    n = len(server.sent)
    assert [c.what for c in cited] == [
        f"{n} ids never issued were refused: first 10 of fixed classes ({', '.join(fixed)}), "
        f"then {n - 10} drawn at random"
    ]


def test_an_id_shaped_like_the_issued_one_is_probed_where_it_cannot_be_an_issued_one():
    def shaped(issued: str | None) -> str | None:
        classes = dict(robustness.id_classes(issued))
        return classes.get("shaped like the issued one")

    made = shaped("jobs/fade-2024-0001-ABCDEF")
    assert made is not None and made != "fade-2024-0001-ABCDEF"
    assert re.fullmatch(r"[a-f]{4}-\d{4}-\d{4}-[A-F]{6}", made)  # hex letters stay hex
    assert re.fullmatch(r"[a-z]{2}-\d{12}", shaped("op-123456789012") or "")
    # A uuid is the uuid class's shape; a short id redrawn might be one that was issued.
    assert shaped("8f14e45f-ceea-467a-9a36-dedd4bea2543") is None
    assert shaped("n12") is None and shaped(None) is None


def test_an_id_shaped_like_the_issued_one_comes_right_after_the_never_issued_one():
    server = _IdServer()
    with collecting():
        robustness.unknown_ids_refused(
            server.probe, Budget(examples=10), frozenset(), "op-123456789012"
        )
    kinds = [kind for _, kind in server.sent]
    assert kinds[:3] == ["never issued", "shaped like the issued one", "a uuid"]


def test_a_fixed_id_class_answered_with_a_server_error_fails_naming_the_class():
    server = _IdServer(lambda other, kind: 500 if "/" in other else 404)
    with _raises(ConformanceFailure) as failure:
        robustness.unknown_ids_refused(server.probe, Budget(examples=10), frozenset())
    assert failure.value.observed == "the id 'robust/x' (a slash) answered 500"
    assert server.sent[-1] == ("robust/x", "a slash")


def test_a_drawn_id_answered_with_a_server_error_fails_with_no_class_named():
    # Every fixed class refused; the first random draw answers 500.
    server = _IdServer(lambda other, kind: 404 if kind else 500)
    with _raises(ConformanceFailure) as failure:
        robustness.unknown_ids_refused(server.probe, Budget(examples=10), frozenset())
    other = server.sent[-1][0]
    assert failure.value.observed.endswith(" answered 500")
    assert "(" not in failure.value.observed.removeprefix(f"the id {other[:60]!r}")


def test_a_malformed_submission_fills_the_scenarios_header_placeholders(tmp_path):
    from conformance.observations import Malformed
    from conformance.session import ConformanceSession
    from conformance.target import resolve

    config = write(
        tmp_path / "target.toml",
        '[scenarios.success]\npath = "/v1/tenants/1/clouds/1/accounts"\n'
        'headers = { Idempotency-Key = "key-{uuid}-{n}" }\n',
    )
    session = ConformanceSession(resolve("builtin", config, None, "virtual", []))
    try:
        sent = session.submit_malformed(Malformed("invalid JSON", b"{", marker="m1"))
    finally:
        session.close()
    assert dict(sent.request_headers)["idempotency-key"] == "key-m1-0"


def test_another_id_is_not_probed_where_the_operations_own_status_url_told_no_state():
    # Beside an id never seen to answer, a 404 for another id could mean a wrong path.
    run = make_run(make_poll(make_exchange(500, b"oops"), None))
    run.ended = Ended.STATUS_ERROR
    with raises_verdict(Blocked) as blocked:
        robustness.known_id_answers(run)
    assert blocked.value.reason == (
        "the success operation's own status URL never told a state (the status resource "
        "answered 500), so another id's answer there would show nothing"
    )
    assert blocked.value.exchanges == run.exchanges
    assert blocked.value.by == ("STATUS-200-JSON", "SUBMIT-LOCATION", "RETAIN-COMPLETED")


def test_another_id_is_probed_where_the_operations_own_status_url_told_a_state():
    run = make_run(state_read("RUNNING"))
    assert robustness.known_id_answers(run) is None  # no verdict: the probes may go ahead
