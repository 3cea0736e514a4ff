"""``PictoryClient``: the synchronous client, the async client run in a private event loop.

There is one implementation of the API's logic, the async one. The sync client starts an
anyio blocking portal (an event loop in a thread of its own), builds an
``AsyncPictoryClient`` inside it, and runs each call there while the calling thread waits.
So validation, retries, deadlines, reconciliation of unclear writes and the errors raised
are exactly the async client's: the same code runs, and its exceptions reach the caller
unchanged. A second, hand-written sync implementation would have to be kept identical by
discipline and by doubled tests. The cost is one thread per client (not per call) and a
hop into that thread and back per call: about 0.2 ms measured on a small container, small
next to a request's network round trip.

A caller's ``httpx.AsyncClient`` is accepted as ``http_client`` when no other loop uses it
(its connections then belong to the portal's loop); more simply, an httpx ``transport``
(an in-process app, a mock) can be given for the pool the client creates in its loop.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from functools import partial
from types import TracebackType
from typing import Literal, Self, TypeVar

import anyio
import httpx
from anyio.from_thread import BlockingPortal

from ._client import (
    _POOL_LIMITS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    AsyncPictoryClient,
    _options,
    _resolve_base_url,
    _resolve_key,
)
from ._errors import ValidationError
from ._rules import FieldError
from ._transport import RequestOptions
from .resources.sync_vimeo_connections import SyncVimeoConnections

__all__ = ["PictoryClient"]

R = TypeVar("R")
Backend = Literal["asyncio", "trio"]
_BACKENDS = ("asyncio", "trio")


class _Loop:
    """The portal thread and the connection pool in its loop, shared with derived clients."""

    def __init__(self, portal: BlockingPortal, thread: threading.Thread) -> None:
        self.portal = portal
        self.thread = thread
        self.thread_id = thread.ident
        self.closed = False
        self._lock = threading.Lock()
        self.cleanup: Callable[[], Awaitable[None]] | None = None

    @classmethod
    def start(cls, backend: Backend) -> _Loop:
        """Start the portal's thread and event loop.

        Not anyio's ``start_blocking_portal``: a client nobody closed would leave that
        generator-based context manager to be finalised at interpreter exit, where stopping
        the portal from a finaliser hangs. A daemon thread of our own lets a script whose
        client was never closed still exit.
        """
        ready: Future[BlockingPortal] = Future()

        async def serve() -> None:
            async with BlockingPortal() as portal:
                ready.set_result(portal)
                await portal.sleep_until_stopped()

        def run() -> None:
            try:
                anyio.run(serve, backend=backend)
            except BaseException as exc:  # reported to the starting thread
                if not ready.done():
                    ready.set_exception(exc)

        thread = threading.Thread(target=run, name="pictory-vimeo-portal", daemon=True)
        thread.start()
        return cls(ready.result(), thread)

    def stop(self) -> None:
        """Close the pool in the loop, then stop the loop and join its thread. Idempotent."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            try:
                if self.cleanup is not None:
                    self.portal.call(self.cleanup)
            finally:
                self.portal.call(self.portal.stop, False)
                self.thread.join()


def _refuse_inside(loop: _Loop) -> None:
    # A call made from the loop's own thread (a sync ``mutate`` runs there) would wait for
    # that thread to be free: a deadlock, were it not refused.
    if threading.get_ident() == loop.thread_id:
        raise RuntimeError(
            "a PictoryClient cannot be used from inside one of its own calls "
            "(e.g. in an optimistic_update mutate); use another client there"
        )


class _Calls:
    """Runs one client's calls in the shared loop; refuses once either is closed."""

    def __init__(self, loop: _Loop) -> None:
        self._loop = loop
        self.closed = False

    def __call__(self, func: Callable[[], Awaitable[R]], /) -> R:
        if self.closed or self._loop.closed:
            raise RuntimeError("the client is closed")
        _refuse_inside(self._loop)
        try:
            future = self._loop.portal.start_task_soon(func)
        except RuntimeError:
            if self._loop.closed:
                raise RuntimeError("the client is closed") from None
            raise
        try:
            return future.result()
        except BaseException:
            # E.g. Ctrl-C while waiting: cancel the call in the loop rather than let it run on.
            future.cancel()
            raise


async def _build(
    key: str,
    url: str,
    options: RequestOptions,
    default_headers: Mapping[str, str] | None,
    transport: httpx.AsyncBaseTransport | None,
    http_client: httpx.AsyncClient | None,
) -> tuple[httpx.AsyncClient | None, AsyncPictoryClient]:
    """The async client, made in the portal's loop so its pool belongs to that loop.

    Returns the pool too when the SDK made it (and so must close it), else ``None``.
    """
    owned = None
    if http_client is None:
        http_client = owned = httpx.AsyncClient(
            limits=_POOL_LIMITS, follow_redirects=False, transport=transport
        )
    try:
        client = AsyncPictoryClient(
            key,
            url,
            timeout=options.timeout,
            max_retries=options.max_retries,
            default_headers=default_headers,
            http_client=http_client,
        )
    except BaseException:
        if owned is not None:
            await owned.aclose()
        raise
    return owned, client


class PictoryClient:
    """A synchronous client of the Vimeo Connections API, safe to share between threads.

    Arguments are the async client's, plus ``transport``: an ``httpx.AsyncBaseTransport``
    for the pool the client creates (the client closes it), and ``backend``, the event
    loop run in the client's thread. An ``http_client`` must be an ``httpx.AsyncClient``
    that no other event loop uses: its connections will belong to the client's loop, and
    the SDK never closes it. Close the client (or use ``with``) to stop the thread.
    """

    vimeo_connections: SyncVimeoConnections

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        backend: Backend = "asyncio",
    ) -> None:
        # Everything is checked before the thread starts, so bad input never leaves one behind.
        key = _resolve_key(api_key, warn=False)  # the async client, built below, warns once
        url = _resolve_base_url(base_url)
        options = _options(timeout, max_retries)
        problems = []
        if backend not in _BACKENDS:
            problems.append(FieldError("backend", f"must be one of {_BACKENDS} (got {backend!r})"))
        given: object = transport  # callers without a type checker may pass anything
        if given is not None and not isinstance(given, httpx.AsyncBaseTransport):
            problems.append(FieldError("transport", "must be an httpx.AsyncBaseTransport or None"))
        caller_http: object = http_client
        if caller_http is not None and not isinstance(caller_http, httpx.AsyncClient):
            problems.append(
                FieldError(
                    "http_client",
                    "must be an httpx.AsyncClient: the sync client runs it in its own event "
                    "loop (to customise the connection, pass transport= instead)",
                )
            )
        elif caller_http is not None and given is not None:
            problems.append(FieldError("transport", "cannot be given with http_client"))
        if problems:
            raise ValidationError(problems)
        loop = _Loop.start(backend)
        try:
            http, client = loop.portal.call(
                partial(_build, key, url, options, default_headers, transport, http_client)
            )
        except BaseException:
            loop.stop()
            raise

        async def cleanup() -> None:
            try:
                await client.aclose()
            finally:
                if http is not None:
                    await http.aclose()

        loop.cleanup = cleanup
        self._init(loop, client, owner=True)

    def _init(self, loop: _Loop, client: AsyncPictoryClient, *, owner: bool) -> None:
        self._loop = loop
        self._async = client
        self._owner = owner
        self._calls = _Calls(loop)
        self.vimeo_connections = SyncVimeoConnections(self._calls, client.vimeo_connections)

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._async.base_url

    @property
    def timeout(self) -> float:
        """The deadline of one call, in seconds, covering all of its attempts."""
        return self._async.timeout

    @property
    def max_retries(self) -> int:
        """How many times a transient failure is retried."""
        return self._async.max_retries

    def with_options(
        self, *, timeout: float | None = None, max_retries: int | None = None
    ) -> PictoryClient:
        """A client with other per-call settings, sharing this one's thread and pool."""
        derived = object.__new__(type(self))
        derived._init(
            self._loop,
            self._async.with_options(timeout=timeout, max_retries=max_retries),
            owner=False,
        )
        return derived

    def close(self) -> None:
        """Close the pool and stop the client's thread; calling it again does nothing.

        A client made by :meth:`with_options` only stops accepting calls: its parent's
        thread and pool stay open.
        """
        _refuse_inside(self._loop)
        self._calls.closed = True
        if self._owner:
            self._loop.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, timeout={self.timeout}, "
            f"max_retries={self.max_retries})"
        )
