"""Routes outside the API: faults, scripted faults, the request log, counters, reset, the
stored accounts, health, the document and the page.

No API key, no faults: a test must always be able to see and change the emulator's state.
With a control token set (always, off loopback), every ``/_emulator/`` route but health and
the page asks for it; health, the document and the page (static files, which ask for the
token themselves before reading anything) stay open, since they reveal and change nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import _rules
from ._access import presents_token
from ._faults import FaultInjector, faults_from_json
from ._http import BadBody, error_response, read_json_object
from ._openapi import openapi_document
from ._page import page_routes
from ._requests import ServedRequest
from ._scripted import FaultScript, scripted_fault_from_json
from ._store import Store
from ._views import MAX_LIMIT, accounts_view, limit_of

__all__ = ["control_routes"]


Endpoint = Callable[[Request], Awaitable[Response]]


def _has_body(request: Request) -> bool:
    """Whether the request carries a body at all (a bare POST means all defaults)."""
    headers = request.headers
    return "transfer-encoding" in headers or headers.get("content-length", "0") != "0"


def _guarded(endpoint: Endpoint, token: str | None) -> Endpoint:
    """``endpoint``, answering 401 instead to a request without ``token`` (if one is set)."""
    if token is None:
        return endpoint

    async def guard(request: Request) -> Response:
        if not presents_token(request, token):
            message = (
                "This control route needs the emulator's control token: send"
                " 'Authorization: Bearer <token>' or 'X-Emulator-Token: <token>'"
            )
            headers = {"WWW-Authenticate": 'Bearer realm="pictory-vimeo-emulator"'}
            return error_response(401, "UNAUTHORIZED", message, headers=headers)
        return await endpoint(request)

    return guard


def control_routes(
    faults: FaultInjector,
    script: FaultScript,
    reset: Callable[[], None],
    served: Callable[[], list[ServedRequest]],
    token: str | None = None,
    *,
    store: Store,
) -> list[Route]:
    """The ``/_emulator/*`` routes, ``/openapi.json`` and the page, over one emulator's state."""

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

    async def requests(request: Request) -> Response:
        entries = served()
        after = request.query_params.get("after", "")
        if after:
            if not (after.isascii() and after.isdigit()):
                problem = _rules.FieldError("after", "must be a whole number, a seq seen before")
                return error_response(400, "VALIDATION_ERROR", "Invalid query", [problem])
            entries = [entry for entry in entries if entry.seq > int(after)]
        # ?limit=N: the latest N (still oldest first), so a page that polls reads a screenful.
        limit = limit_of(request, default=MAX_LIMIT)
        if isinstance(limit, Response):
            return limit
        return JSONResponse({"requests": [entry.to_json() for entry in entries[-limit:]]})

    async def stats(request: Request) -> Response:
        return JSONResponse(faults.stats())

    async def post_reset(request: Request) -> Response:
        reset()
        return Response(status_code=204)

    async def accounts(request: Request) -> Response:
        return accounts_view(store, request)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(str(request.base_url).rstrip("/")))

    return [
        Route("/_emulator/faults", _guarded(faults_route, token), methods=["GET", "PATCH"]),
        Route(
            "/_emulator/fail-next",
            _guarded(fail_next, token),
            methods=["GET", "POST", "DELETE"],
        ),
        Route("/_emulator/requests", _guarded(requests, token), methods=["GET"]),
        Route("/_emulator/stats", _guarded(stats, token), methods=["GET"]),
        Route("/_emulator/reset", _guarded(post_reset, token), methods=["POST"]),
        Route("/_emulator/accounts", _guarded(accounts, token), methods=["GET"]),
        Route("/_emulator/health", health, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        *page_routes(),
    ]
