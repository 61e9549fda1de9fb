"""Verdicts (`verdicts.py`): how they combine, the words a failure gives, and citations."""

from __future__ import annotations

import itertools

import pytest

from conformance.catalogue import CATALOGUE
from conformance.verdicts import (
    Blocked,
    Citation,
    ConformanceFailure,
    Inconclusive,
    NotObserved,
    Verdict,
    cite,
    collecting,
    plain,
    worst,
)
from tests.support.recording import DescribedExchange

#: From least to most decisive: when several cases judge one requirement, the last wins.
ORDER = [Verdict.NOT_COVERED, Verdict.SKIP, Verdict.PASS, Verdict.WARN, Verdict.ERROR, Verdict.FAIL]


def test_verdicts_read_as_the_reports_spell_them():
    assert [v.value for v in Verdict] == [
        "PASS",
        "FAIL",
        "WARN",
        "SKIP",
        "ERROR",
        "BLOCKED",
        "NOT-COVERED",
    ]


@pytest.mark.parametrize(
    ("text", "one_line", "with_lines"),
    [
        ("\x00\x08\x09", "\\x00\\x08\t", "\\x00\\x08\t"),
        ("a\nb\rc", "a\\x0ab\\x0dc", "a\nb\rc"),
        ("\x0b\x0c\x0e\x1f \x7e", "\\x0b\\x0c\\x0e\\x1f \x7e", "\\x0b\\x0c\\x0e\\x1f \x7e"),
        ("\x1b[31m\x7f\x9f\xa0\xff", "\\x1b[31m\\x7f\\x9f\xa0\xff", "\\x1b[31m\\x7f\\x9f\xa0\xff"),
        ("\u2029\u202a\u202e\u202f", "\u2029\\u202a\\u202e\u202f", "\u2029\\u202a\\u202e\u202f"),
        ("\u2065\u2066\u2069\u206a", "\u2065\\u2066\\u2069\u206a", "\u2065\\u2066\\u2069\u206a"),
    ],
)
def test_control_characters_are_shown_escaped(text, one_line, with_lines):
    assert plain(text) == one_line
    assert plain(text, lines=True) == with_lines


def test_a_failure_reads_requirement_observation_expectation_hint_and_last_exchanges():
    exchanges = [DescribedExchange(i) for i in range(1, 11)]
    exchanges[-1].text = "#10 GET /s\x1b -> 200"
    failure = ConformanceFailure(
        "SUBMIT-202", "got\n500", "202\x07", exchanges=tuple(exchanges), hint="look\rhere"
    )
    title = CATALOGUE["SUBMIT-202"].title
    text = "\n".join(
        [
            f"SUBMIT-202 (MUST): {title}",
            "Observed: got\\x0a500",
            "Expected: 202\\x07",
            "Hint: look\\x0dhere",
            *[f"  #{i} GET /s -> 200" for i in range(3, 10)],
            "  #10 GET /s\\x1b -> 200",
        ]
    )
    assert str(failure) == text
    assert failure.args == (text,)
    assert failure.exchanges == exchanges
    assert (failure.observed, failure.expected, failure.hint) == (
        "got\\x0a500",
        "202\\x07",
        "look\\x0dhere",
    )
    assert failure.steps == []


def test_a_blocked_case_reads_could_not_run_with_its_last_five_exchanges():
    exchanges = [DescribedExchange(i) for i in range(1, 8)]
    exchanges[-1].text = "#7 GET /s\x1b -> 200"
    blocked = Blocked("no\nstatus", tuple(exchanges))
    assert str(blocked) == "\n".join(
        [
            "could not run: no\\x0astatus",
            *[f"  #{i} GET /s -> 200" for i in range(3, 7)],
            "  #7 GET /s\\x1b -> 200",
        ]
    )
    assert blocked.args == ("no\\x0astatus",)
    assert (blocked.reason, blocked.exchanges) == ("no\\x0astatus", exchanges)
    assert str(Blocked("x")) == "could not run: x"


def test_an_inconclusive_check_names_its_requirement_reason_and_exchanges():
    exchanges = (DescribedExchange(1), DescribedExchange(2))
    found = Inconclusive("DELETE-204", "clock\x1b", exchanges)
    assert str(found) == "DELETE-204 inconclusive: clock\\x1b"
    assert found.args == ("DELETE-204 inconclusive: clock\\x1b",)
    assert (found.reason, found.exchanges) == ("clock\\x1b", list(exchanges))
    assert found.requirement is CATALOGUE["DELETE-204"]
    assert Inconclusive("DELETE-204", "r").exchanges == []


def test_nothing_observed_is_a_skip_that_says_so():
    exchanges = (DescribedExchange(4),)
    caught = NotObserved("no\tstatus\n", exchanges)
    assert isinstance(caught, pytest.skip.Exception)
    assert isinstance(caught, NotObserved)
    assert caught.msg == "not observed: no\tstatus\\x0a"
    assert (caught.reason, caught.exchanges) == ("no\tstatus\\x0a", list(exchanges))
    assert NotObserved("r").exchanges == []


def test_citations_are_collected_only_while_a_case_runs():
    first, second = DescribedExchange(1), DescribedExchange(2)
    cite("outside", [first])  # outside a case: nothing to record it, and no error
    with collecting() as cited:
        cite("the status\nanswered", [first, second])
        with collecting() as inner:
            cite("inner", iter([second]))
        cite("again", (first,))
    cite("after", [first])
    assert cited == [
        Citation("the status\\x0aanswered", (first, second)),
        Citation("again", (first,)),
    ]
    assert inner == [Citation("inner", (second,))]


def test_citing_no_exchange_is_a_mistake_of_the_check():
    with pytest.raises(ValueError) as raised:
        cite("it held", [])
    assert str(raised.value) == "cite('it held') names no exchange; raise NotObserved instead"


@pytest.mark.parametrize(("lesser", "greater"), list(itertools.combinations(ORDER, 2)))
def test_the_more_decisive_verdict_wins(lesser, greater):
    assert worst([lesser, greater]) is greater
    assert worst([greater, lesser]) is greater


def test_no_verdict_at_all_is_not_covered():
    assert worst([]) is Verdict.NOT_COVERED


def test_control_characters_are_escapes_on_one_line_or_keeping_lines():
    from conformance.verdicts import plain

    sent = "ok\r\nFAIL\x1b[31m\u202etxt\x00\tend"
    assert plain(sent) == "ok\\x0d\\x0aFAIL\\x1b[31m\\u202etxt\\x00\tend"
    assert plain(sent, lines=True) == "ok\r\nFAIL\\x1b[31m\\u202etxt\\x00\tend"
