"""A real connection pool that counts the requests it is given: started, in flight, at most."""

from __future__ import annotations

import ssl
from collections.abc import Callable

import anyio
import httpx

import pictory_vimeo as pv
from pictory_vimeo._aiohttp_exchange import AiohttpExchange
from pictory_vimeo._answer import Answer, Outgoing
from pictory_vimeo._httpcore2_pool import Httpcore2Transport
from pictory_vimeo._httpx_exchange import HttpxExchange
from pictory_vimeo._transports import Exchange
from tests._support import Pool


class Watched(httpx.AsyncBaseTransport):
    """A real pool (aiohttp's, httpx's or httpcore2's) that counts the requests in flight.

    Either it stands in for the exchange a client opened on its pool (``watch``), so what
    it counts is every request the SDK sends, read-ahead fetches included; or it is given
    as ``transport=``, an httpx transport over httpx's own pool.
    """

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.inner: Exchange | None = None
        self._transport: httpx.AsyncBaseTransport | None = None
        self.started = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.closed = False
        #: Hold every request for a later page until it is cancelled, as a server that
        #: never answers would: what happens to a read-ahead fetch is then plain to see.
        self.hold_later_pages = False
        #: Called as each request is handed to the pool.
        self.on_send: Callable[[], object] | None = None

    def watch(self, client: pv.AsyncPictoryClient) -> pv.AsyncPictoryClient:
        """``client``, sending through this pool instead of one of its own."""
        base_url = client.base_url
        if self.pool == "aiohttp":
            self.inner = AiohttpExchange(
                base_url, size=512, keepalive=5.0, tls=ssl.create_default_context()
            )
        else:
            transport = _httpx_pool(self.pool)
            http = httpx.AsyncClient(transport=transport)
            self.inner = HttpxExchange(base_url, http, direct=transport, owned=True)
        client._session._exchange = self
        return client

    async def exchange(self, outgoing: Outgoing) -> Answer:
        """Send through the real pool; a request counts as in flight until its body is read."""
        assert self.inner is not None
        self.started += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if self.on_send is not None:
            self.on_send()
        try:
            if self.hold_later_pages and "nextPageKey" in outgoing.target:
                await anyio.sleep_forever()
            return await self.inner.exchange(outgoing)
        finally:
            self.in_flight -= 1

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """As ``transport=``: send through an httpx-API pool, counted until the body is read."""
        if self._transport is None:
            self._transport = _httpx_pool(self.pool)
        self.started += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            response = await self._transport.handle_async_request(request)
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
        if self.inner is not None:
            await self.inner.aclose()
        if self._transport is not None:
            await self._transport.aclose()


def _httpx_pool(pool: Pool) -> httpx.AsyncBaseTransport:
    """httpcore2's pool for ``"httpcore2"``, else httpx's own (aiohttp's has no httpx API)."""
    if pool == "httpcore2":
        return Httpcore2Transport(
            ssl_context=httpx.create_ssl_context(), max_connections=100, keepalive_expiry=5.0
        )
    return httpx.AsyncHTTPTransport()
