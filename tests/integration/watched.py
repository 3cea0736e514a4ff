"""A real connection pool that counts the requests it is given: started, in flight, at most."""

from __future__ import annotations

import anyio
import httpx

from pictory_vimeo._aiohttp_transport import MappedAiohttpTransport
from tests.conftest import Pool


class Watched(httpx.AsyncBaseTransport):
    """A real pool (aiohttp's or httpx's) that counts the requests started and in flight."""

    def __init__(self, pool: Pool) -> None:
        self.inner: httpx.AsyncBaseTransport = (
            MappedAiohttpTransport() if pool == "aiohttp" else httpx.AsyncHTTPTransport()
        )
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
