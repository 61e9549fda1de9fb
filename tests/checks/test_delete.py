"""DELETE-*: the answer to DELETE, the resource gone after it, and each reason a case is
blocked or skipped."""

from __future__ import annotations

import pytest

from conformance.checks import (
    delete,
)
from conformance.driver import Exchange
from conformance.observations import Deletion
from conformance.verdicts import (
    Blocked,
    ConformanceFailure,
    Inconclusive,
    NotObserved,
)
from tests.support.checks import (
    citing,
    make_exchange,
    make_run,
    raises_verdict,
    state_read,
)
from tests.support.driving import BASE


def _deletion(answer: Exchange | None, *reads: Exchange, **kw: object) -> Deletion:
    return Deletion(make_run(state_read("SUCCESS")), answer, list(reads), **kw)  # type: ignore[arg-type]


def _exchange(status: int, body: bytes = b"", **headers: str) -> Exchange:
    return Exchange(
        1, "x", "DELETE", f"{BASE}/r/1", [], b"", 0.0, 0.1, status, list(headers.items()), body
    )


def _deleted(delete_answer: Exchange, *reads: Exchange) -> Deletion:
    return Deletion(run=None, delete=delete_answer, reads=list(reads))  # type: ignore[arg-type]


@pytest.mark.parametrize("check", [delete.answers_204, delete.no_content_length])
def test_a_dialect_that_names_no_resource_has_nothing_to_delete(check):
    with raises_verdict(NotObserved) as skipped:
        check(_deletion(None, problem="no resource URL", unnamed=True))
    assert skipped.value.reason == "no resource URL"


@pytest.mark.parametrize(("problem", "reason"), [("off origin", "off origin"), (None, None)])
def test_a_resource_that_could_not_be_deleted_blocks_citing_the_last_exchange(problem, reason):
    deletion = _deletion(None, problem=problem)
    with raises_verdict(Blocked) as blocked:
        delete.gone_after_delete(deletion, 5.0)
    assert blocked.value.reason == (reason or "nothing was deleted")
    assert blocked.value.exchanges == [deletion.run.polls[-1].exchange]


def test_a_delete_without_an_answer_blocks():
    answer = make_exchange(None, method="DELETE", error="ConnectError: refused")
    with raises_verdict(Blocked) as blocked:
        delete.answers_204(_deletion(answer))
    assert blocked.value.reason == "DELETE got no answer: ConnectError: refused"


@pytest.mark.parametrize(
    ("code", "body", "length", "shown"),
    [
        (200, b"", None, "200 with 0 bytes of content"),
        (204, b"", " 5 ", "204 with 5 bytes of content"),
        (204, b"abc", "1", "204 with 3 bytes of content"),
        (204, b"", "12", "204 with 12 bytes of content"),
        (204, b"", "1", "204 with 1 byte of content"),
    ],
)
def test_a_delete_answer_with_content_says_how_much(code, body, length, shown):
    headers = {"content_length": length} if length is not None else {}
    answer = make_exchange(code, body, method="DELETE", **headers)
    with raises_verdict(ConformanceFailure) as failure:
        delete.answers_204(_deletion(answer))
    assert failure.value.requirement.id == "DELETE-204"
    assert failure.value.observed == shown
    assert failure.value.expected == "204 No Content, with no content"
    assert failure.value.hint == (
        "Answer DELETE with 204 and an empty body, and delete in the background."
    )
    assert failure.value.exchanges == [answer]


@pytest.mark.parametrize("length", ["abc", "-3", ""])
def test_a_content_length_that_is_no_count_declares_nothing(length):
    answer = make_exchange(204, method="DELETE", content_length=length)
    with citing() as cited:
        delete.answers_204(_deletion(answer))
    assert [c.what for c in cited] == ["DELETE answered 204 with no content"]
    assert cited[0].exchanges == (answer,)


def test_a_delete_answered_otherwise_than_204_has_no_content_length_rule():
    answer = make_exchange(200, method="DELETE", content_length="0")
    with raises_verdict(NotObserved) as skipped:
        delete.no_content_length(_deletion(answer))
    assert skipped.value.reason == "DELETE answered 200: the rule is about 204 answers"
    assert skipped.value.exchanges == [answer]


def test_a_204_with_a_content_length_of_zero_still_breaks_the_rule():
    answer = make_exchange(204, method="DELETE", content_length="0")
    with raises_verdict(ConformanceFailure) as failure:
        delete.no_content_length(_deletion(answer))
    assert failure.value.requirement.id == "DELETE-NO-CONTENT-LENGTH"
    assert failure.value.observed == "Content-Length: 0"
    assert failure.value.expected == "no Content-Length header on a 204"
    assert failure.value.exchanges == [answer]


def test_a_204_without_a_content_length_passes():
    answer = make_exchange(204, method="DELETE")
    with citing() as cited:
        delete.no_content_length(_deletion(answer))
    assert [c.what for c in cited] == ["the 204 carried no Content-Length"]
    assert cited[0].exchanges == (answer,)


def test_a_delete_with_no_reads_after_it_has_nothing_to_watch():
    answer = make_exchange(202, method="DELETE")
    with raises_verdict(Blocked) as blocked:
        delete.gone_after_delete(_deletion(answer), 5.0)
    assert blocked.value.reason == "DELETE answered 202; nothing to watch"
    assert blocked.value.exchanges == [answer]


@pytest.mark.parametrize(
    ("last", "shown"), [(make_exchange(200, index=3), "200"), (make_exchange(500, index=3), "500")]
)
def test_a_resource_still_there_after_the_delete_budget_fails(last, shown):
    answer = make_exchange(204, method="DELETE")
    with raises_verdict(ConformanceFailure) as failure:
        delete.gone_after_delete(_deletion(answer, make_exchange(200, index=2), last), 2.5)
    assert failure.value.observed == (
        f"2 reads over 2.5 s after the DELETE; the last answered {shown}"
    )
    assert failure.value.expected == "404 (or 410) within the delete budget"
    assert failure.value.hint == "Raise polling.delete_budget if your background deletion is slow."
    assert failure.value.exchanges == [answer, last]


@pytest.mark.parametrize(
    ("last", "shown"),
    [
        (make_exchange(503, index=3), "503"),
        (make_exchange(429, index=3), "429"),
        (make_exchange(None, index=3, error="E: x"), "E: x"),
    ],
)
def test_a_last_read_that_says_nothing_about_the_resource_is_inconclusive(last, shown):
    answer = make_exchange(204, method="DELETE")
    with raises_verdict(Inconclusive) as inconclusive:
        delete.gone_after_delete(_deletion(answer, make_exchange(200, index=2), last), 2.5)
    assert inconclusive.value.requirement.id == "DELETE-GONE"
    assert inconclusive.value.reason == (
        f"the last read after the DELETE got no usable answer ({shown})"
    )
    assert inconclusive.value.exchanges == [answer, last]


def test_a_resource_gone_after_the_delete_cites_the_delete_and_the_last_read():
    answer, gone = make_exchange(204, method="DELETE"), make_exchange(410, index=3)
    with citing() as cited:
        delete.gone_after_delete(_deletion(answer, make_exchange(200, index=2), gone), 5.0)
    assert [c.what for c in cited] == ["the resource answered 410 after the DELETE"]
    assert cited[0].exchanges == (answer, gone)


def test_a_resource_that_could_not_be_deleted_cites_only_the_runs_last_exchange():
    # A run of several reads: the ERROR points at the last one, not at all but the first.
    run = make_run(state_read("RUNNING"), state_read("RUNNING", 2), state_read("SUCCESS", 3))
    with raises_verdict(Blocked) as blocked:
        delete.answers_204(Deletion(run, None))
    assert blocked.value.reason == "nothing was deleted"
    assert blocked.value.exchanges == [run.polls[-1].exchange]


def test_a_resource_gone_at_the_last_of_several_reads_after_the_delete_passes():
    # Reads still find the resource until background deletion ends: only the last counts.
    answer = make_exchange(204, method="DELETE", index=5)
    reads = [make_exchange(200, index=6), make_exchange(200, index=7), make_exchange(404, index=8)]
    deletion = Deletion(make_run(state_read("SUCCESS")), answer, reads)
    with citing() as cited:
        delete.gone_after_delete(deletion, 5.0)
    assert [c.what for c in cited] == ["the resource answered 404 after the DELETE"]
    assert cited[0].exchanges == (answer, reads[-1])


@pytest.mark.parametrize("last", [500, 200])
def test_a_resource_that_answers_other_than_404_after_delete_is_not_gone(last):
    deletion = _deleted(_exchange(204), _exchange(200), _exchange(last))
    with pytest.raises(ConformanceFailure) as failure:
        delete.gone_after_delete(deletion, 5.0)
    assert failure.value.requirement.id == "DELETE-GONE"


def test_a_resource_unavailable_after_delete_is_not_gone_either():
    # A 503 shows neither that the resource is there nor that it is gone: WARN, not PASS.
    deletion = _deleted(_exchange(204), _exchange(200), _exchange(503))
    with pytest.raises(Inconclusive) as inconclusive:
        delete.gone_after_delete(deletion, 5.0)
    assert inconclusive.value.requirement.id == "DELETE-GONE"


@pytest.mark.parametrize("last", [404, 410])
def test_a_resource_that_answers_404_or_410_after_delete_is_gone(last):
    delete.gone_after_delete(_deleted(_exchange(204), _exchange(200), _exchange(last)), 5.0)


@pytest.mark.parametrize(
    ("code", "body", "length", "holds"),
    [
        (204, b"", None, True),
        (204, b"", "0", True),
        (204, b"", "5", False),  # over HTTP/1.1 the body is dropped; its length still tells
        (204, b"{}", None, False),
        (200, b"", None, False),
        (202, b"", None, False),
    ],
)
def test_delete_answers_204_with_no_content(code, body, length, holds):
    headers = {"content-length": length} if length is not None else {}
    deletion = _deleted(_exchange(code, body, **headers))
    if holds:
        delete.answers_204(deletion)
    else:
        with pytest.raises(ConformanceFailure):
            delete.answers_204(deletion)
