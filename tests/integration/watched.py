"""A real connection pool that counts the requests it is given: started, in flight, at most."""

from __future__ import annotations

import anyio
import httpx

from pictory_vimeo._aiohttp_transport import MappedAiohttpTransport
from pictory_vimeo._httpcore2_pool import Httpcore2Transport
from tests.conftest import Pool


def _real_pool(pool: Pool) -> httpx.AsyncBaseTransport:
    if pool == "aiohttp":
        return MappedAiohttpTransport()
    if pool == "httpcore2":
        return Httpcore2Transport(
            ssl_context=httpx.create_ssl_context(), max_connections=100, keepalive_expiry=5.0
        )
    return httpx.AsyncHTTPTransport()


class Watched(httpx.AsyncBaseTransport):
    """A real pool (aiohttp's, httpx's or httpcore2's) that counts the requests in flight."""

    def __init__(self, pool: Pool) -> None:
        self.inner = _real_pool(pool)
        self.started = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.closed = False
        #: Hold every request for a later page until it is cancelled, as a server that
        #: never answers would: what happens to a read-ahead fetch is then plain to see.
        self.hold_later_pages = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the real pool; a request counts as in flight until its body is read."""
        self.started += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.hold_later_pages and "nextPageKey" in request.url.params:
                await anyio.sleep_forever()
            response = await self.inner.handle_async_request(request)
            content = await response.aread()
            await response.aclose()
            return httpx.Response(
                response.status_code, headers=response.headers, content=content, request=request
            )
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        """Close the real pool."""
        self.closed = True
        await self.inner.aclose()
