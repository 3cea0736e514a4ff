"""``AsyncPictoryClient``: configuration, lifecycle and the API's resources.

The one hand-written client: ``PictoryClient``'s pass-through members are generated from
this class (``scripts/gen_sync.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import anyio
import httpx

from ._budget import DEFAULT_RETRY_BUDGET, RetryBudget, check_retry_budget
from ._call import CallContext
from ._config import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    Checks,
    RequestOptions,
    TransportName,
    check_headers,
    check_max_concurrency,
    check_max_response_bytes,
    client_settings,
)
from ._logging import logger
from ._names import KEY_PREFIX
from ._secret import Secret
from ._session import ApiSession
from ._slots import Slots
from ._traffic import ClientStats, RateLimit, Traffic, check_rate_limit
from ._types import NOT_GIVEN, NotGiven
from .resources.vimeo_connections import AsyncVimeoConnections

__all__ = ["AsyncPictoryClient"]


class AsyncPictoryClient:
    """An async client of the Vimeo Connections API (asyncio or trio).

    Use it as ``async with`` (so listings can read the next page ahead); otherwise call
    :meth:`aclose` when done. Share one client where you can: it keeps its connections open.

    Example:
        ```python
        async with pv.AsyncPictoryClient() as client:  # $PICTORY_API_KEY
            conn = await client.vimeo_connections.get(connection_id)
        ```

    Args:
        api_key: The API key, sent as the raw ``Authorization`` header; default
            ``$PICTORY_API_KEY``. A key without the ``pictai_`` prefix is accepted with a
            warning.
        base_url: Where the API (or the emulator) lives; default ``$PICTORY_BASE_URL``,
            else ``https://api.pictory.ai``. Plain ``http://`` only to loopback, unless
            ``allow_insecure_http``.
        timeout: The deadline of a whole call in seconds (> 0), covering every attempt,
            the waits between them and any reconciliation read (default 30).
        max_retries: How many times a transient failure (connection error, timeout,
            408, 429, 5xx) is retried (an integer >= 0, default 2).
        default_headers: Extra headers on every request (never ``Authorization``).
        http_client: Your own ``httpx.AsyncClient`` (proxies, auth, hooks), used as is;
            the SDK never closes it.
        transport: The connection pool: ``"auto"`` (aiohttp's under asyncio; under trio
            httpcore2's when the ``trio`` extra is installed, else httpx's),
            ``"aiohttp"``, ``"httpx"``, ``"httpcore2"``, or any
            ``httpx.AsyncBaseTransport`` (e.g. the emulator's in-process one).
        max_concurrency: Requests this client has in flight at once (an integer >= 1);
            the rest wait their turn within their deadline. Default: 512 on aiohttp's
            pool, 128 on httpcore2's, 16 on httpx's (each pool's measured best).
        allow_insecure_http: Allow a plain ``http://`` base URL other than loopback (the
            key then crosses the network unencrypted).
        validate: Check input against the documented rules before sending it (default
            ``True``); ``False`` sends what the SDK's copy of the rules would refuse.
        max_response_bytes: The largest answer body taken, in bytes (an integer >= 1,
            default 8 MiB), counted raw and decoded; a larger one is an
            ``InvalidResponseError`` and its connection is dropped.
        retry_budget: Retries allowed client-wide: a ``RetryBudget`` (default: 500 tokens,
            a retry 5, a timeout 10, a success 1 back), shared with every ``with_options``
            client; ``None``: each call retries up to ``max_retries`` regardless.
        rate_limit: The send rate: ``"adaptive"`` (default; slows down on ``429``s), a
            fixed number of requests/s (> 0), or ``None``. A ``Retry-After`` on a ``429``
            or ``503`` pauses every call of the client unless ``None``.

    Attributes:
        vimeo_connections (AsyncVimeoConnections): The Vimeo connections of the key's
            account: ``create``, ``get``, ``list``, ``list_page``, ``update``, ``delete``.

    Raises:
        ValidationError: An argument breaks its rule (e.g. no API key anywhere, a
            ``timeout`` <= 0, a plain-http base URL off loopback), naming each one; or a
            proxy variable (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, read now, once)
            names a proxy the SDK cannot use, naming the variable.
    """

    vimeo_connections: AsyncVimeoConnections

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: TransportName | httpx.AsyncBaseTransport = "auto",
        max_concurrency: int | None = None,
        allow_insecure_http: bool = False,
        validate: bool = True,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        retry_budget: RetryBudget | None = DEFAULT_RETRY_BUDGET,
        rate_limit: RateLimit = "adaptive",
    ) -> None:
        # Wrapped at once and the raw key dropped: this frame is on the traceback of any
        # error the checks raise, and error trackers record its locals.
        key = api_key if isinstance(api_key, Secret) else Secret(api_key)
        del api_key
        check = Checks()
        budget = check(check_retry_budget, retry_budget)
        rate = check(check_rate_limit, rate_limit)
        settings = check(
            client_settings,
            api_key=key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
            transport=transport,
            max_concurrency=max_concurrency,
            allow_insecure_http=allow_insecure_http,
            validate=validate,
            max_response_bytes=max_response_bytes,
        )
        check.done()
        if not settings.api_key.startswith(KEY_PREFIX):
            logger.warning(
                "the API key does not start with %r; Pictory keys normally do", KEY_PREFIX
            )
        session = ApiSession(
            api_key=settings.api_key,
            base_url=settings.base_url,
            transport=settings.transport,
            max_concurrency=settings.max_concurrency,
            http_client=settings.http_client,
            allow_insecure_http=allow_insecure_http,
        )
        traffic = Traffic(budget, rate)
        self._init(
            session,
            settings.options,
            settings.default_headers,
            Slots(session, settings.max_concurrency, traffic.counters),
            traffic,
            owner=True,
            max_response_bytes=settings.max_response_bytes,
        )

    def _init(
        self,
        session: ApiSession,
        options: RequestOptions,
        default_headers: dict[str, str],
        slots: Slots,
        traffic: Traffic,
        *,
        owner: bool,
        max_response_bytes: int,
    ) -> None:
        self._session = session
        self._options = options
        self._default_headers = default_headers
        self._owner = owner
        headers = session.headers.copy()
        headers.update(default_headers)
        headers["Authorization"] = session.headers["Authorization"]
        self._slots = slots
        self._max_response_bytes = max_response_bytes
        self._traffic = traffic
        context = CallContext(session, options, headers, slots, traffic, max_response_bytes)
        self.vimeo_connections = AsyncVimeoConnections(context)

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._session.base_url

    @property
    def timeout(self) -> float:
        """The deadline of one call, in seconds, covering all of its attempts."""
        return self._options.timeout

    @property
    def max_retries(self) -> int:
        """How many times a transient failure is retried."""
        return self._options.max_retries

    @property
    def max_concurrency(self) -> int:
        """How many of this client's requests may be in flight at once.

        Unless set, the pool's own best: 512 on aiohttp's, 16 on httpx's (decided, for
        ``transport="auto"`` outside an event loop, when the first call chooses the pool).
        """
        return self._slots.total

    @property
    def transport(self) -> str:
        """The connection pool in use: ``"aiohttp"``, ``"httpx"``, ``"httpcore2"``, or the
        caller's own."""
        return self._session.transport_name

    @property
    def max_response_bytes(self) -> int:
        """The largest answer body taken, in bytes (raw, and decoded)."""
        return self._max_response_bytes

    @property
    def validate(self) -> bool:
        """Whether input is checked against the documented rules before it is sent."""
        return self._options.validate

    def with_options(
        self,
        *,
        timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven | None = NOT_GIVEN,
        max_concurrency: int | NotGiven | None = NOT_GIVEN,
        validate: bool | NotGiven = NOT_GIVEN,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
        retry_budget: RetryBudget | NotGiven | None = NOT_GIVEN,
        rate_limit: RateLimit | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A client with other settings, sharing this one's connection pool.

        ``default_headers`` replaces this client's. The new client shares this one's slots
        of ``max_concurrency``, retry budget and rate limit too, unless it is given its own
        (its ``stats()`` are this client's either way).

        Args:
            timeout: The deadline of a whole call in seconds (> 0).
            max_retries: Retries of a transient failure (an integer >= 0).
            default_headers: Extra headers on every request, replacing this client's; ``None``:
                none.
            max_concurrency: Requests in flight at once (an integer >= 1), in slots of its
                own; ``None``: the pool's default.
            validate: Check input against the documented rules before sending it.
            max_response_bytes: The largest answer body taken, in bytes (an integer >= 1).
            retry_budget: A ``RetryBudget`` of its own, or ``None``: no budget.
            rate_limit: A limiter of its own: ``"adaptive"``, requests/s, or ``None``.

        Returns:
            A new client of the same class; closing it leaves the shared pool open.

        Raises:
            ValidationError: An argument breaks its rule, naming each one.
        """
        check = Checks()
        options = check(
            self._options.merged, timeout=timeout, max_retries=max_retries, validate=validate
        )
        headers = self._default_headers
        if not isinstance(default_headers, NotGiven):
            headers = check(check_headers, default_headers, "default_headers")
        slots = self._slots
        if not isinstance(max_concurrency, NotGiven):
            limit_in_flight = check(check_max_concurrency, max_concurrency)
            slots = Slots(self._session, limit_in_flight, self._traffic.counters)
        limit = self._max_response_bytes
        if not isinstance(max_response_bytes, NotGiven):
            limit = check(check_max_response_bytes, max_response_bytes)
        if not isinstance(retry_budget, NotGiven):
            retry_budget = check(check_retry_budget, retry_budget)
        if not isinstance(rate_limit, NotGiven):
            rate_limit = check(check_rate_limit, rate_limit)
        check.done()
        traffic = self._traffic.derive(retry_budget, rate_limit)
        derived = object.__new__(type(self))
        derived._init(
            self._session, options, headers, slots, traffic, owner=False, max_response_bytes=limit
        )
        return derived

    def stats(self) -> ClientStats:
        """What this client's calls (and its ``with_options`` clients') have done so far.

        Cheap counters, read at once: requests, retries, retry budget refusals, the rate
        limit in force, time spent waiting.

        Returns:
            A frozen snapshot, :class:`ClientStats`.
        """
        return self._traffic.stats()

    async def aclose(self) -> None:
        """Close the connection pool the SDK created (a caller's ``http_client`` stays open).

        A client made by :meth:`with_options` shares its parent's pool and leaves it open.
        """
        if self._owner:
            await self._session.read_ahead.stop()
            # Shielded: a cancelled caller still releases every socket of the pool.
            with anyio.CancelScope(shield=True):
                await self._session.aclose()

    async def __aenter__(self) -> Self:
        """Start the task group listings read ahead in; return the client itself."""
        if self._owner and not self._session.read_ahead.active:
            await self._session.read_ahead.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop any read-ahead and close the pool (as :meth:`aclose`)."""
        if self._owner:
            await self._session.read_ahead.close()
        await self.aclose()

    def __repr__(self) -> str:
        if not hasattr(self, "vimeo_connections"):  # half-built: its __init__ raised
            return f"<{type(self).__name__} (not built)>"
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, transport={self.transport!r}, "
            f"timeout={self.timeout}, max_retries={self.max_retries}, "
            f"max_concurrency={self.max_concurrency})"
        )
