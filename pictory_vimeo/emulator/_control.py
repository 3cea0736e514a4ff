"""Routes outside the API: fault settings, counters, reset, health and the OpenAPI document.

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

__all__ = ["control_routes"]


def control_routes(faults: FaultInjector, reset: Callable[[], None]) -> list[Route]:
    """The ``/_emulator/*`` routes and ``/openapi.json``, over one emulator's state."""

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
        Route("/_emulator/stats", stats, methods=["GET"]),
        Route("/_emulator/reset", post_reset, methods=["POST"]),
        Route("/_emulator/health", health, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]
