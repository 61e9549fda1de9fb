"""Result: the resource URL of a success, the message of a failure."""

from __future__ import annotations

import httpx

from ..description import Description, Role
from ..driver import MISSING, Driver, Run, field
from ..verdicts import Blocked, ConformanceFailure, NotObserved, cite
from ._common import needs_terminal

__all__ = ["failure_has_message", "success_names_resource"]


def success_names_resource(run: Run, driver: Driver) -> None:
    dialect = driver.description.dialect
    terminal = needs_terminal(run, Role.SUCCESS)
    url = driver.resource_url(run)
    if url is None:
        raise NotObserved(f"the dialect names no result URL (result_url = {dialect.result_url!r})")
    if not isinstance(url, httpx.URL):
        raise ConformanceFailure(
            "RESULT-URL",
            observed=url,
            expected=f"the URL of the resource the operation produced ({dialect.result_url})",
            exchanges=[terminal.exchange],
        )
    if not driver.same_origin(url):
        raise Blocked(driver.off_origin("the resource URL", str(url), url), [terminal.exchange])
    read = driver.send("read result", "GET", url, jar=run.submission.jar)
    if read.status is None or not 200 <= read.status < 300:
        raise ConformanceFailure(
            "RESULT-URL",
            observed=f"GET {url} answered {read.error or read.status}",
            expected="2xx",
            exchanges=[terminal.exchange, read],
        )
    cite(f"the result {url} answered {read.status}", [terminal.exchange, read])


def failure_has_message(run: Run, description: Description) -> None:
    dialect = description.dialect
    if not dialect.message_field:
        raise NotObserved(
            "the dialect names no message field (dialect.message_field is empty), so a "
            "failure's reason cannot be looked for; set it to judge this"
        )
    terminal = needs_terminal(run, Role.FAILURE)
    message = field(terminal.body, dialect.message_field)
    if not isinstance(message, str) or not message.strip():
        raise ConformanceFailure(
            "RESULT-FAILED-MSG",
            observed=f"{dialect.message_field} = {None if message is MISSING else message!r}",
            expected="a message that says why the operation failed",
            exchanges=[terminal.exchange],
        )
    cite(f"{dialect.message_field} = {message[:80]!r}", [terminal.exchange])
