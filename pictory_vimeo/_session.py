"""``ApiSession``: what every call of one client shares — pool, base URL, key, task group.

Clients made by ``with_options`` share their parent's session: one pool, one task group.
The pool is opened on first use, inside the event loop, so ``transport="auto"`` can pick
the pool that suits the loop it finds; the task group exists while the client is used as
``async with``, and lets listings fetch their next page ahead (``_pagination``).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import timedelta
from typing import Final

import anyio
import httpx

from ._config import USER_AGENT, TransportName
from ._loops import PoolHome, in_a_loop, on_fork_in_child
from ._proxies import Proxy, resolve_proxy
from ._read_ahead import ReadAhead
from ._redact import Scrubber
from ._transports import open_pool, resolve_name, running_backend, transport_label

__all__ = ["ApiSession", "decoded"]

#: What every request carries besides the key; the encodings are what httpx decodes itself.
_BASE_HEADERS: Final = {
    "User-Agent": USER_AGENT,
    "Accept": "application/json",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
}


#: How many of the secrets its calls sent a session keeps masking in later errors: a server
#: may echo a stored secret in the answer to a later call (a record dumped into an error).
_SENT_SECRETS_KEPT: Final = 32


class ApiSession:
    """One API key and base URL, and the connection pool their calls go over."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        transport: TransportName | httpx.AsyncBaseTransport,
        max_concurrency: int | None,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        self.base_url = base_url
        self.headers = httpx.Headers({**_BASE_HEADERS, "Authorization": api_key})
        self._api_key = api_key
        #: The secrets recent calls sent, oldest first (a dict as an ordered set).
        self._sent: OrderedDict[str, None] = OrderedDict()
        self._scrub: Scrubber | None = None
        self.read_ahead = ReadAhead()
        self._choice = transport
        self._max_concurrency = max_concurrency
        self._http = http_client
        self._owns_http = http_client is None
        #: The transport a request goes to directly, past httpx's client machinery (cookies,
        #: hooks, redirects, auth), when the SDK owns the pool and no proxy is configured.
        self._direct: httpx.AsyncBaseTransport | None = None
        self._closed = False
        #: The loop (and process) the SDK's own pool belongs to; a caller's client or
        #: transport is theirs to manage.
        self._home: PoolHome | None = None
        #: Bumped whenever a pool is opened, so what belongs to the old one goes with it.
        self.generation = 0
        self.proxy: Proxy | None = None
        if http_client is not None:
            self.transport_name = "http_client"
        elif isinstance(transport, httpx.AsyncBaseTransport):
            self.transport_name = transport_label(transport)
        else:
            # The proxy settings are read now, once: a bad one fails here.
            self.proxy = resolve_proxy(base_url, allow_insecure_http=allow_insecure_http)
            # Checked now, so a wrong choice fails at construction; "auto" outside an event
            # loop stays open until the first request shows which loop the client runs in.
            self.transport_name = resolve_name(transport, running_backend(), self.proxy)
            self._home = PoolHome()
            on_fork_in_child(self)
        # Opened now when the pool is known and so is the loop it will belong to.
        known = self._http is None and self.transport_name != "auto"
        if known and (self._home is None or in_a_loop()):
            self._open()

    def _open(self) -> httpx.AsyncClient:
        """Open the pool in the running loop (the old one, if any, already let go of)."""
        http, self.transport_name, self._direct = open_pool(
            self._choice, self._max_concurrency, self.proxy
        )
        self._http = http
        self.generation += 1
        if self._home is not None:
            self._home.settle(http.aclose, http)
        return http

    def forked_in_child(self) -> None:
        """In a forked child: let go of the parent's pool and read-ahead group, untouched."""
        if self._home is not None:
            self._home.forked_in_child()
        self._http = self._direct = None
        self.read_ahead = ReadAhead()

    def scrubber(self, secrets: Iterable[str] = ()) -> Scrubber:
        """What masks a call's errors: the key, ``secrets`` and those recent calls sent."""
        for secret in secrets:
            if isinstance(secret, str) and secret:
                if secret not in self._sent:
                    self._scrub = None
                self._sent[secret] = None
                self._sent.move_to_end(secret)
        while len(self._sent) > _SENT_SECRETS_KEPT:
            self._sent.popitem(last=False)
        if self._scrub is None:
            proxy = self.proxy.url.password if self.proxy is not None else None
            self._scrub = Scrubber([self._api_key, *([proxy] if proxy else []), *self._sent])
        return self._scrub

    @property
    def http(self) -> httpx.AsyncClient:
        """The pool, opened on first use in the running event loop (and anew in a later
        loop, or in a forked child).
        """
        http, home = self._http, self._home
        if http is not None and (home is None or home.here()):
            return http
        if self._closed:
            raise RuntimeError("the client is closed")
        if home is not None:
            home.vacate()  # refuses if the pool's loop runs in another thread
        return self._open()

    async def exchange(
        self,
        method: str,
        path: str,
        *,
        headers: httpx.Headers,
        content: bytes | None,
        params: Mapping[str, str] | None,
        phase_timeout: float,
    ) -> tuple[httpx.Response, str | None]:
        """Send one request and read its whole answer; the connection is released either way.

        A caller's ``http_client`` gets the request through ``send()``, with all of its own
        behaviour; the SDK's own pool gets it straight from its transport, which saves most
        of httpx's per-request cost (cookies, hooks, redirects, auth: none apply here).
        ``phase_timeout`` bounds each phase (connect, write, read); the caller bounds the whole.
        Returns the response, and the ``Content-Encoding`` it claimed when its body could
        not be decoded as that says (the response then holds the raw body).
        """
        http = self.http
        url = self.base_url + path
        direct = self._direct
        if direct is None:
            request = http.build_request(
                method, url, content=content, params=params, headers=headers, timeout=phase_timeout
            )
        else:
            limits = dict.fromkeys(("connect", "read", "write", "pool"), phase_timeout)
            request = httpx.Request(
                method,
                url,
                params=params,
                headers=headers,
                content=content,
                extensions={"timeout": limits},
            )
        if content is not None:
            request.stream = _Body(content)
        started = time.perf_counter()
        if direct is None:
            response = await http.send(request, stream=True)
        else:
            response = await direct.handle_async_request(request)
            response.request = request
        encoded = "content-encoding" in response.headers
        try:
            if encoded:
                # Read raw, then decode apart from the stream: a decoder failing halfway
                # through would leave the connection's iterator suspended for the collector.
                raw = b"".join([chunk async for chunk in response.aiter_raw()])
            else:
                await response.aread()
        finally:
            # Shielded, so a cancelled read still hands its connection back (or closes it)
            # instead of leaving the stream for the garbage collector to warn about.
            with anyio.CancelScope(shield=True):
                await response.aclose()
        if direct is not None:
            response.elapsed = timedelta(seconds=time.perf_counter() - started)
        return decoded(response, raw) if encoded else (response, None)

    async def aclose(self) -> None:
        """Close the pool if the SDK opened it (a caller's ``http_client`` stays open)."""
        self._closed = True
        http, self._http = self._http, None
        if http is not None and self._home is not None:
            await self._home.close(http.aclose)  # only in the loop it belongs to
        elif http is not None and self._owns_http:
            await http.aclose()


class _Body(httpx.AsyncByteStream):
    """A request body sent in one chunk, through a plain iterator rather than a generator.

    httpx's own body stream is an async generator: a pool cancelled while it writes a chunk
    leaves the generator suspended, and under trio collecting it is a ``ResourceWarning``
    (encode/httpx#3597). A plain iterator has nothing to finalise. ``request.content`` is
    unchanged, so pools that read it (aiohttp's) send the same bytes.
    """

    def __init__(self, content: bytes) -> None:
        self._content = content

    def __aiter__(self) -> AsyncIterator[bytes]:
        return _Chunk(self._content)


class _Chunk(AsyncIterator[bytes]):
    def __init__(self, content: bytes) -> None:
        self._content: bytes | None = content

    async def __anext__(self) -> bytes:
        content, self._content = self._content, None
        if content is None:
            raise StopAsyncIteration
        return content


def decoded(response: httpx.Response, raw: bytes) -> tuple[httpx.Response, str | None]:
    """``response`` with ``raw`` decoded as its ``Content-Encoding`` says, if it can be.

    When it cannot, the response keeps its status and headers with the raw bytes as its
    body, and the encoding it claimed is returned alongside.
    """
    decoded = httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(raw),
        request=response.request,
        extensions=response.extensions,
        history=response.history,
        default_encoding=response.default_encoding,
    )
    try:
        decoded.read()
    except httpx.DecodingError:
        encoding = response.headers.get("content-encoding", "")
        plain = [(k, v) for k, v in response.headers.raw if k.lower() != b"content-encoding"]
        decoded = httpx.Response(
            response.status_code,
            headers=plain,
            content=raw,
            request=response.request,
            extensions=response.extensions,
            history=response.history,
            default_encoding=response.default_encoding,
        )
        decoded.headers = response.headers  # as received; the body is as received too
    else:
        encoding = None
    decoded.elapsed = response.elapsed
    decoded.next_request = response.next_request
    return decoded, encoding
