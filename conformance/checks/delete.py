"""Delete: 204 with no content, no Content-Length, and the resource gone in the background."""

from __future__ import annotations

from .._words import counted
from ..driver import GONE_STATUSES, Exchange
from ..observations import Deletion
from ..verdicts import Blocked, ConformanceFailure, Inconclusive, NotObserved, cite
from ._common import answered, blockers, silent

__all__ = ["answers_204", "gone_after_delete", "no_content_length"]


def _deleted(deletion: Deletion) -> Exchange:
    if deletion.delete is None:
        problem = deletion.problem or "nothing was deleted"
        if deletion.unnamed:
            raise NotObserved(problem)
        raise Blocked(
            problem, deletion.run.exchanges[-1:], by=(*blockers(deletion.run), "RESULT-URL")
        )
    answered(deletion.delete, "DELETE")
    return deletion.delete


def answers_204(deletion: Deletion) -> None:
    ex = _deleted(deletion)
    # Over HTTP/1.1 a client drops a 204's body, but its Content-Length still tells.
    length = ex.header("content-length")
    declared = int(length) if length and length.strip().isdigit() else 0
    if ex.status != 204 or ex.body or declared > 0:
        raise ConformanceFailure(
            "DELETE-204",
            observed=f"{ex.status} with {counted(max(len(ex.body), declared), 'byte')} of content",
            expected="204 No Content, with no content",
            exchanges=[ex],
            hint="Answer DELETE with 204 and an empty body, and delete in the background.",
        )
    cite("DELETE answered 204 with no content", [ex])


def no_content_length(deletion: Deletion) -> None:
    ex = _deleted(deletion)
    if ex.status != 204:
        raise NotObserved(f"DELETE answered {ex.status}: the rule is about 204 answers", [ex])
    length = ex.header("content-length")
    if length is not None:
        raise ConformanceFailure(
            "DELETE-NO-CONTENT-LENGTH",
            observed=f"Content-Length: {length}",
            expected="no Content-Length header on a 204",
            exchanges=[ex],
        )
    cite("the 204 carried no Content-Length", [ex])


def gone_after_delete(deletion: Deletion, budget: float) -> None:
    ex = _deleted(deletion)
    if not deletion.reads:
        raise Blocked(
            f"DELETE answered {ex.status}; nothing to watch",
            [ex],
            by=(*blockers(deletion.run), "RESULT-URL", "DELETE-204"),
        )
    last = deletion.reads[-1]
    if silent(last):
        raise Inconclusive(
            "DELETE-GONE",
            f"the last read after the DELETE got no usable answer ({last.error or last.status})",
            [ex, last],
        )
    if last.status not in GONE_STATUSES:
        raise ConformanceFailure(
            "DELETE-GONE",
            observed=f"{counted(len(deletion.reads), 'read')} over {budget:g} s after the DELETE; "
            f"the last answered {last.status}",
            expected="404 (or 410) within the delete budget",
            exchanges=[ex, last],
            hint="Raise polling.delete_budget if your background deletion is slow.",
        )
    cite(f"the resource answered {last.status} after the DELETE", [ex, last])
