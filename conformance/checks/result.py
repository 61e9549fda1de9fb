"""Result: the resource URL of a success, the message of a failure."""

from __future__ import annotations

from ..description import Description
from ..driver import Driver, Run
from ..verdicts import Blocked, ConformanceFailure
from ._common import needs_terminal

__all__ = ["failure_has_message", "success_names_resource"]


def success_names_resource(run: Run, driver: Driver) -> None:
    dialect = driver.description.dialect
    terminal = needs_terminal(run, "success", dialect.states)
    url = driver.resource_url(run)
    if url is None:
        value = (terminal.body or {}).get(dialect.result_url_field)
        raise ConformanceFailure(
            "RESULT-URL",
            observed=f"{dialect.result_url_field} = {value!r}",
            expected="the URL of the resource the operation produced",
            exchanges=[terminal.exchange],
        )
    if not driver.same_origin(url):
        raise Blocked(driver.off_origin("the resource URL", str(url), url), [terminal.exchange])
    read = driver.send("read result", "GET", url)
    if read.status is None or not 200 <= read.status < 300:
        raise ConformanceFailure(
            "RESULT-URL",
            observed=f"GET {url} answered {read.error or read.status}",
            expected="2xx",
            exchanges=[terminal.exchange, read],
        )


def failure_has_message(run: Run, description: Description) -> None:
    dialect = description.dialect
    terminal = needs_terminal(run, "failure", dialect.states)
    message = (terminal.body or {}).get(dialect.message_field)
    if not isinstance(message, str) or not message.strip():
        raise ConformanceFailure(
            "RESULT-FAILED-MSG",
            observed=f"{dialect.message_field} = {message!r}",
            expected="a message that says why the operation failed",
            exchanges=[terminal.exchange],
        )
