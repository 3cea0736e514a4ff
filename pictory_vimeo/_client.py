"""``AsyncPictoryClient``: configuration, lifecycle and the API's resources."""

from __future__ import annotations

import logging
import os
import platform
import re
from collections.abc import Mapping
from types import TracebackType
from typing import Final, Self

import httpx

from ._errors import ValidationError
from ._rules import FieldError
from ._transport import RequestOptions, Transport
from ._version import __version__
from .resources.vimeo_connections import AsyncVimeoConnections

__all__ = ["DEFAULT_BASE_URL", "AsyncPictoryClient"]

DEFAULT_BASE_URL: Final = "https://api.pictory.ai"
DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_MAX_RETRIES: Final = 2
API_KEY_ENV: Final = "PICTORY_API_KEY"
BASE_URL_ENV: Final = "PICTORY_BASE_URL"
KEY_PREFIX: Final = "pictai_"
USER_AGENT: Final = (
    f"pictory-vimeo-python/{__version__} httpx/{httpx.__version__} "
    f"python/{platform.python_version()}"
)

_log = logging.getLogger("pictory_vimeo")
_HEADER_SAFE: Final = re.compile(r"[!-~]+")
_POOL_LIMITS: Final = httpx.Limits(max_connections=100, max_keepalive_connections=20)


def _resolve_key(api_key: str | None, *, warn: bool = True) -> str:
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if not key:
        raise ValidationError(
            [FieldError("api_key", f"is required: pass api_key=... or set ${API_KEY_ENV}")]
        )
    if not isinstance(key, str):
        raise ValidationError([FieldError("api_key", "must be a string")])
    if not _HEADER_SAFE.fullmatch(key):
        # The key goes into a header as is; httpx would fail on each request and put the
        # key in its error text. Never echo it: say only what is wrong with it.
        raise ValidationError(
            [
                FieldError(
                    "api_key",
                    "must be printable ASCII with no spaces or line breaks"
                    " (a key read from a file may end with a newline)",
                )
            ]
        )
    if warn and not key.startswith(KEY_PREFIX):
        _log.warning("the API key does not start with %r; Pictory keys normally do", KEY_PREFIX)
    return key


def _resolve_base_url(base_url: str | None) -> str:
    url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    problem = FieldError(
        "base_url", f"must be an http(s) URL with a host and no query or fragment (got {url!r})"
    )
    if not isinstance(url, str):
        raise ValidationError([problem])
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise ValidationError([problem]) from None
    # Paths are appended to the base URL, so a query or fragment there would swallow them.
    if parsed.scheme not in ("http", "https") or not parsed.host or "?" in url or "#" in url:
        raise ValidationError([problem])
    return url.rstrip("/")


def _options(timeout: float, max_retries: int) -> RequestOptions:
    errors = []
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        errors.append(
            FieldError("timeout", f"must be a positive number of seconds (got {timeout!r})")
        )
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        errors.append(FieldError("max_retries", f"must be an integer >= 0 (got {max_retries!r})"))
    if errors:
        raise ValidationError(errors)
    return RequestOptions(timeout=float(timeout), max_retries=max_retries)


class AsyncPictoryClient:
    """An async client of the Vimeo Connections API.

    ``timeout`` is the deadline of a whole call in seconds, covering every attempt and the
    waits between them; ``max_retries`` is how many times a transient failure is retried.
    Pass ``http_client`` to share your own ``httpx.AsyncClient``: the SDK never closes it.
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
    ) -> None:
        key = _resolve_key(api_key)
        url = _resolve_base_url(base_url)
        options = _options(timeout, max_retries)
        # httpx.Headers merges case-insensitively, so no spelling of "authorization" in
        # default_headers can ride along next to (or instead of) the client's key.
        headers = httpx.Headers({"User-Agent": USER_AGENT, "Accept": "application/json"})
        headers.update(default_headers or {})
        headers["Authorization"] = key
        owns_http = http_client is None
        http = http_client or httpx.AsyncClient(limits=_POOL_LIMITS, follow_redirects=False)
        self._init(
            Transport(http=http, base_url=url, headers=headers, owns_http=owns_http), options
        )

    def _init(self, transport: Transport, options: RequestOptions, *, owner: bool = True) -> None:
        self._transport = transport
        self._owner = owner
        self._options = options
        self.vimeo_connections = AsyncVimeoConnections(transport, options)

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._transport.base_url

    @property
    def timeout(self) -> float:
        """The deadline of one call, in seconds, covering all of its attempts."""
        return self._options.timeout

    @property
    def max_retries(self) -> int:
        """How many times a transient failure is retried."""
        return self._options.max_retries

    def with_options(
        self, *, timeout: float | None = None, max_retries: int | None = None
    ) -> AsyncPictoryClient:
        """A client with other per-call settings, sharing this one's connection pool."""
        options = _options(
            self._options.timeout if timeout is None else timeout,
            self._options.max_retries if max_retries is None else max_retries,
        )
        derived = object.__new__(type(self))
        derived._init(self._transport, options, owner=False)
        return derived

    async def aclose(self) -> None:
        """Close the connection pool the SDK created (a caller's ``http_client`` stays open).

        A client made by :meth:`with_options` shares its parent's pool and leaves it open.
        """
        if self._owner:
            await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, timeout={self.timeout}, "
            f"max_retries={self.max_retries})"
        )
