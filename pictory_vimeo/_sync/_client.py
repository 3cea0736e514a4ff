"""``PictoryClient``: the synchronous client, the async client run in a private event loop.

There is one implementation of the API's logic, the async one. The sync client starts an
event loop in a thread of its own (``_portal``), builds an ``AsyncPictoryClient`` there and
enters it (so listings read ahead), and runs each call in that loop while the calling
thread waits (``_runner``). Its resource and its pass-through members are generated from the async
client's (``scripts/gen_sync.py``); only what differs — starting and stopping the loop —
is written here. The cost is one thread per client and a hop into it and back per call.

A caller's ``httpx.AsyncClient`` is accepted as ``http_client`` when no other loop uses it
(its connections then belong to the portal's loop); more simply, an httpx ``transport``
(an in-process app, a mock) can be given for the pool the client creates in its loop.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial
from typing import Any, Self

from anyio.from_thread import BlockingPortal

from .._budget import check_retry_budget
from .._client import AsyncPictoryClient
from .._config import (
    Checks,
    client_settings,
)
from .._errors import ValidationError
from .._rules import FieldError
from .._traffic import check_rate_limit
from ._client_members import ClientMembers
from ._portal import BACKENDS, Backend, Loop
from ._runner import PortalCalls, refuse_inside
from ._vimeo_connections import SyncVimeoConnections

__all__ = ["PictoryClient"]


def _check_backend(backend: object) -> None:
    if backend not in BACKENDS:
        raise ValidationError(
            [FieldError("backend", f"must be one of {BACKENDS} (got {backend!r:.40})")]
        )


class PictoryClient(ClientMembers):
    """A synchronous client of the Vimeo Connections API, safe to share between threads.

    Arguments are the async client's, plus ``backend``: the event loop run in the client's
    thread (``transport="auto"`` then picks the pool that suits it). An ``http_client``
    must be an ``httpx.AsyncClient`` that no other event loop uses: its connections will
    belong to the client's loop, and the SDK never closes it. Close the client (or use
    ``with``) to stop the thread.

    Example:
        ```python
        with pv.PictoryClient() as client:  # $PICTORY_API_KEY
            for conn in client.vimeo_connections.list():
                print(conn.name)
        ```

    Args:
        api_key: The API key; default ``$PICTORY_API_KEY`` (see
            :class:`AsyncPictoryClient` for this and every other argument's rule).
        base_url: Default ``$PICTORY_BASE_URL``, else ``https://api.pictory.ai``.
        timeout: The deadline of a whole call in seconds (> 0, default 30).
        max_retries: Retries of a transient failure (an integer >= 0, default 2).
        default_headers: Extra headers on every request (never ``Authorization``).
        http_client: An ``httpx.AsyncClient`` no other event loop uses; never closed.
        transport: ``"auto"``, ``"aiohttp"``, ``"httpx"``, ``"httpcore2"`` or an
            ``httpx.AsyncBaseTransport``.
        max_concurrency: Requests in flight at once (an integer >= 1).
        allow_insecure_http: Allow a plain ``http://`` base URL other than loopback.
        validate: Check input against the documented rules before sending it.
        max_response_bytes: The largest answer body taken, in bytes (an integer >= 1,
            default 8 MiB); a larger one is an ``InvalidResponseError``.
        retry_budget: Retries allowed client-wide: a ``RetryBudget``, or ``None``.
        rate_limit: ``"adaptive"`` (default), a fixed number of requests/s, or ``None``.
        backend: The event loop run in the client's thread: ``"asyncio"`` (default) or
            ``"trio"``.

    Attributes:
        vimeo_connections (SyncVimeoConnections): The Vimeo connections of the key's
            account: ``create``, ``get``, ``list``, ``list_page``, ``update``, ``delete``.

    Raises:
        ValidationError: An argument breaks its rule, naming each one (checked before the
            client's thread starts).
    """

    vimeo_connections: SyncVimeoConnections

    def _open(self, arguments: dict[str, Any], backend: Backend) -> None:
        """Check everything, then start the loop and build and enter the async client in it."""
        # Everything is checked before the thread starts, so bad input never leaves one behind.
        check = Checks()
        settings = dict(arguments)
        check(check_retry_budget, settings.pop("retry_budget", None))
        check(check_rate_limit, settings.pop("rate_limit", None))
        check(client_settings, **settings)
        check(_check_backend, backend)
        check.done()
        loop = Loop.start(backend)
        build = partial(AsyncPictoryClient, **arguments)
        try:
            client = loop.portal.call(_build, build)
            loop.enter(partial(_enter, client))
        except BaseException:
            loop.stop()
            raise
        self._init(loop, client, owner=True)

    def _init(self, loop: Loop, client: AsyncPictoryClient, *, owner: bool) -> None:
        loop.attach()
        self._loop = loop
        self._async = client
        self._owner = owner
        self._calls = PortalCalls(loop)
        self.vimeo_connections = SyncVimeoConnections(self._calls, client.vimeo_connections)

    def _derive(self, client: AsyncPictoryClient) -> Self:
        """A client over ``client`` (made by the async ``with_options``), in this one's loop."""
        derived = object.__new__(type(self))
        derived._init(self._loop, client, owner=False)
        return derived

    def close(self) -> None:
        """Close the pool and stop the client's thread; calling it again does nothing.

        A client made by :meth:`with_options` only stops accepting calls: its parent's
        thread and pool stay open.
        """
        refuse_inside(self._loop)
        self._calls.closed = True
        if self._owner:
            self._loop.stop()

    def __enter__(self) -> Self:
        """Return the client itself; the ``with`` block's end closes it."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the client (as :meth:`close`)."""
        self.close()

    def __del__(self) -> None:
        # As aiohttp does for a session: a client nobody closed is a ResourceWarning. Its
        # loop stops once no client on it is left, so no thread outlives them.
        loop = getattr(self, "_loop", None)
        if loop is None:  # half-built: no loop was attached
            return
        if self._owner and not loop.closed:
            warnings.warn(
                f"unclosed {self!r}: close() it or use it as `with`",
                ResourceWarning,
                source=self,
                stacklevel=1,
            )
        loop.detach()

    def __repr__(self) -> str:
        if not hasattr(self, "_async"):  # half-built: its __init__ raised
            return f"<{type(self).__name__} (not built)>"
        return repr(self._async).replace("AsyncPictoryClient", type(self).__name__, 1)


def _enter(client: AsyncPictoryClient, portal: BlockingPortal) -> Callable[[], None]:
    """Enter ``client`` in the portal's loop (so listings read ahead); returns its exit."""
    entered: AbstractContextManager[AsyncPictoryClient] = portal.wrap_async_context_manager(client)
    entered.__enter__()
    exit_entered = entered.__exit__

    def cleanup() -> None:
        exit_entered(None, None, None)

    return cleanup


async def _build(build: partial[AsyncPictoryClient]) -> AsyncPictoryClient:
    """The async client, made in the portal's loop so ``transport="auto"`` sees that loop."""
    return build()
