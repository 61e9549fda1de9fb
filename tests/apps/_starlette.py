"""The routes the matrix's Starlette apps share, and their answer to a result request."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import _shape


def refused() -> Response:
    return JSONResponse({"error": "a job is a JSON object with a name"}, 400)


def accepted(op_id: str) -> Response:
    location = {"Location": f"/operations/{op_id}"}
    return JSONResponse(_shape.status(op_id, "RUNNING"), 202, headers=location)


def answer(job: dict[str, Any] | None, request: Request) -> Response:
    code, body = _shape.result(job, request.method)
    return Response(status_code=code) if body is None else JSONResponse(body, code)


def routes(submit: Any, listing: Any, operation: Any, result: Any) -> list[Route]:
    return [
        Route("/jobs", submit, methods=["POST"]),
        Route("/jobs", listing, methods=["GET"]),
        Route("/operations/{op_id}", operation),
        Route("/jobs/{op_id}", result, methods=["GET", "DELETE"]),
    ]
