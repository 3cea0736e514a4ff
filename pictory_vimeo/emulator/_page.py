"""The page at ``/_emulator/`` (also ``/`` and ``/_emulator``): three static files shipped
in the package.

The page is plain HTML, CSS and JavaScript: no build step, nothing fetched from the
network. It reads the control routes like any client, so it needs no access of its own and
is served to anyone; the data stays behind the control token, which the page asks for when
a route answers 401. A strict Content-Security-Policy allows only these files to run:
even a value that slipped past the page's escaping could not run a script.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["PAGE_PATH", "page_routes"]

#: Where the page lives; ``/`` serves it too (the API itself is under ``/pictoryapis/``).
PAGE_PATH: Final = "/_emulator/"

_FILES: Final = {
    "page.html": "text/html; charset=utf-8",
    "page.css": "text/css; charset=utf-8",
    "page.js": "text/javascript; charset=utf-8",
}
_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
        " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The files change only with the package; a stale copy after an upgrade would mislead.
    "Cache-Control": "no-cache",
}


@functools.cache
def _text(name: str) -> bytes:
    """A shipped file's bytes, read once."""
    return resources.files("pictory_vimeo.emulator").joinpath("_static", name).read_bytes()


def _serve(name: str) -> Route:
    """A GET route answering the shipped file ``name``."""

    async def endpoint(request: Request) -> Response:
        return Response(_text(name), media_type=_FILES[name], headers=_HEADERS)

    path = PAGE_PATH if name == "page.html" else PAGE_PATH + name
    return Route(path, endpoint, methods=["GET"])


def page_routes() -> list[Route]:
    """The page, its style and its script; the page once more at ``/`` and ``/_emulator``."""
    routes = [_serve(name) for name in _FILES]
    page = routes[0].endpoint
    return [*routes, *(Route(path, page, methods=["GET"]) for path in ("/", "/_emulator"))]
