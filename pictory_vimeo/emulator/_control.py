"""Routes outside the API: fault settings, scripted faults, counters, reset, health and the
OpenAPI document.

No API key, no faults: a test must always be able to see and change the emulator's state.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._faults import FaultInjector, faults_from_json
from ._http import BadBody, error_response, read_json_object
from ._openapi import openapi_document
from ._scripted import FaultScript, scripted_fault_from_json

__all__ = ["control_routes"]


def _has_body(request: Request) -> bool:
    """Whether the request carries a body at all (a bare POST means all defaults)."""
    headers = request.headers
    return "transfer-encoding" in headers or headers.get("content-length", "0") != "0"


def control_routes(
    faults: FaultInjector, script: FaultScript, reset: Callable[[], None]
) -> list[Route]:
    """The ``/_emulator/*`` routes and ``/openapi.json``, over one emulator's state."""

    def pending() -> Response:
        return JSONResponse({"pending": [fault.to_json() for fault in script.pending()]})

    async def fail_next(request: Request) -> Response:
        if request.method == "GET":
            return pending()
        if request.method == "DELETE":
            script.clear()
            return Response(status_code=204)
        try:
            body = await read_json_object(request) if _has_body(request) else {}
        except BadBody as bad:
            return bad.response
        result = scripted_fault_from_json(body)
        if isinstance(result, list):
            return error_response(400, "VALIDATION_ERROR", "Invalid scripted fault", result)
        script.add(result)
        return pending()

    async def faults_route(request: Request) -> Response:
        if request.method != "PATCH":
            return JSONResponse(faults.faults.to_json())
        try:
            body = await read_json_object(request)
        except BadBody as bad:
            return bad.response
        result = faults_from_json(faults.faults, body)
        if isinstance(result, list):
            return error_response(400, "VALIDATION_ERROR", "Invalid fault settings", result)
        faults.set_faults(result)
        return JSONResponse(result.to_json())

    async def stats(request: Request) -> Response:
        return JSONResponse(faults.stats())

    async def post_reset(request: Request) -> Response:
        reset()
        return Response(status_code=204)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(str(request.base_url).rstrip("/")))

    return [
        Route("/_emulator/faults", faults_route, methods=["GET", "PATCH"]),
        Route("/_emulator/fail-next", fail_next, methods=["GET", "POST", "DELETE"]),
        Route("/_emulator/stats", stats, methods=["GET"]),
        Route("/_emulator/reset", post_reset, methods=["POST"]),
        Route("/_emulator/health", health, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]
