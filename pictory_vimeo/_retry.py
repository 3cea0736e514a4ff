"""The retry policy: what is retried, how long to wait, and when to give up.

Kept apart from the sending code so the policy reads in one screen. ``backoff_sleep`` is
looked up at call time, so tests replace it and never actually wait.
"""

from __future__ import annotations

import random
from typing import Final

import anyio
import httpx

from . import _config
from ._errors import APIConnectionError, APIStatusError, PictoryError, parse_retry_after

__all__ = [
    "BACKOFF_CAP",
    "BACKOFF_START",
    "RETRYABLE_STATUSES",
    "RETRY_AFTER_CAP",
    "backoff_sleep",
    "backoff_wait",
    "is_unclear",
    "is_retryable",
    "server_wait",
]

#: Statuses worth another attempt. Other 4xx mean the request itself is wrong; a 409 is a
#: version or name conflict, which only the caller (or ``optimistic_update``) can resolve.
RETRYABLE_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
#: Statuses after which the write may or may not have been applied.
_UNCLEAR_STATUSES: Final = frozenset({500, 502, 503, 504})
#: Transport failures after which the request may have reached the server.
_UNCLEAR_EXCEPTIONS: Final = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)
#: Transport failures worth another attempt (a ``LocalProtocolError`` is our own bug).
_RETRYABLE_EXCEPTIONS: Final = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)

BACKOFF_START: Final = 0.5
BACKOFF_CAP: Final = 8.0
RETRY_AFTER_CAP: Final = 60.0


async def backoff_sleep(seconds: float) -> None:
    """Wait between attempts; anyio's sleep, so retries work under asyncio and trio.

    In the testing mode (``pv.set_testing(True)``) it only yields to other tasks.
    """
    await anyio.sleep(0 if _config.is_testing() else seconds)


def is_retryable(error: BaseException) -> bool:
    """Whether a failed attempt is worth another (before any deadline is considered)."""
    if isinstance(error, APIStatusError):
        return error.status_code in RETRYABLE_STATUSES
    if isinstance(error, APIConnectionError):
        return isinstance(error.__cause__, _RETRYABLE_EXCEPTIONS)
    return False


def is_unclear(error: BaseException) -> bool:
    """Whether the failed attempt may have been applied by the server even so."""
    if isinstance(error, APIStatusError):
        return error.status_code in _UNCLEAR_STATUSES
    return isinstance(error, PictoryError) and isinstance(error.__cause__, _UNCLEAR_EXCEPTIONS)


def server_wait(error: BaseException) -> float | None:
    """The wait the server asked for with ``Retry-After``, if it asked."""
    if not isinstance(error, APIStatusError):
        return None
    return parse_retry_after(error.response.headers.get("retry-after"))


def backoff_wait(attempt: int) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, start * 2**(n-1)))."""
    return random.uniform(0.0, min(BACKOFF_CAP, BACKOFF_START * 2.0 ** (attempt - 1)))
