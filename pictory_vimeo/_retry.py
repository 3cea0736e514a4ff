"""The retry policy: which failures are worth another attempt, and how long to wait first.

Kept apart from the sending code so the policy reads in one screen. tenacity's wait
strategies are built once, at import; each failed attempt is described once, as a
:class:`Failure`, so ``Retry-After`` is parsed once per failure.
"""

from __future__ import annotations

from typing import Final

import anyio
import attrs
import httpx
import tenacity

from ._config import is_testing
from ._errors import APIConnectionError, APIStatusError, APITimeoutError, PictoryError

__all__ = [
    "RETRYABLE_STATUSES",
    "RETRY_AFTER_CAP",
    "Failure",
    "conflict_wait",
    "next_wait",
    "pause",
    "status_failure",
    "transport_failure",
]

#: Statuses worth another attempt. Other 4xx mean the request itself is wrong; a 409 is a
#: version or name conflict, which only reconciliation (or ``optimistic_update``) resolves.
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
#: Transport failures worth another attempt (a ``LocalProtocolError`` is our own bug). A
#: body that does not decode is not among them: the session reads bodies raw and decodes
#: them itself, so that is an answer (an ``InvalidResponseError`` on a 2xx), not a failure.
_RETRYABLE_EXCEPTIONS: Final = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)

#: How httpx's RemoteProtocolError begins when a redirect's Location is not a URL.
_BAD_REDIRECT: Final = "Invalid URL in location header"

#: The longest ``Retry-After`` obeyed: a server asking for more is not waited for.
RETRY_AFTER_CAP: Final = 60.0


@attrs.frozen
class Failure:
    """One failed attempt: the error it raises if it is the last, and what it means."""

    error: PictoryError
    retryable: bool
    #: The server may have applied the request even so (no clear answer came back).
    unclear: bool
    #: What went wrong, in a few words, for the log line before a retry.
    reason: str
    #: The wait the server asked for, in seconds.
    retry_after: float | None = None


def status_failure(error: APIStatusError) -> Failure:
    """What an error status means for retrying."""
    status = error.status_code
    return Failure(
        error,
        retryable=status in RETRYABLE_STATUSES,
        unclear=status in _UNCLEAR_STATUSES,
        reason=f"status {status}",
        retry_after=error.retry_after,
    )


def transport_failure(exc: BaseException, call: str, text: str, attempts: int) -> Failure:
    """What a failure without a usable response (``exc``, raised by httpx) means.

    ``call`` names it (``"PUT /path"``); ``text`` is ``exc`` described, already scrubbed.
    """
    if isinstance(exc, httpx.RemoteProtocolError) and str(exc).startswith(_BAD_REDIRECT):
        # httpx reads a redirect's Location even when it follows none, and fails on one
        # that is not a URL: an answer did come (a redirect, never a success), so it
        # is neither retried nor taken for a write that may have been applied.
        error = APIConnectionError(
            f"{call}: the server answered with a redirect whose Location header is not a valid URL",
            attempts=attempts,
        )
        return Failure(error, retryable=False, unclear=False, reason="invalid redirect")
    cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    return Failure(
        cls(f"{call} failed: {text}", attempts=attempts),
        retryable=isinstance(exc, _RETRYABLE_EXCEPTIONS),
        unclear=isinstance(exc, _UNCLEAR_EXCEPTIONS),
        reason=str(exc) or type(exc).__name__,
    )


#: Full jitter: the wait after attempt n is uniform in [0, min(max, multiplier * 2 ** (n - 1))],
#: so 0.5 s doubling, capped at 8 s. Built once, shared.
_BACKOFF: Final = tenacity.wait_random_exponential(multiplier=0.5, max=8.0)
#: ``optimistic_update``'s wait after a version conflict: short, since the winner is done.
_CONFLICT_BACKOFF: Final = tenacity.wait_random_exponential(multiplier=0.02, max=1.0)


def next_wait(failure: Failure, attempt: int, max_retries: int, time_left: float) -> float | None:
    """Seconds to wait before attempt ``attempt + 1``, or ``None``: give up now.

    Gives up when the failure is not worth retrying, the retries are spent, the server
    asks for more than ``RETRY_AFTER_CAP``, or the wait would outlast the deadline.
    Otherwise the server's ``Retry-After`` is obeyed, or backoff with full jitter is used.
    """
    if not failure.retryable or attempt > max_retries:
        return None
    if failure.retry_after is not None:
        if failure.retry_after > RETRY_AFTER_CAP:
            return None
        wait = failure.retry_after
    else:
        wait = _BACKOFF(_state(attempt))
    return None if wait >= time_left else wait


def conflict_wait(attempt: int) -> float:
    """The jittered wait after ``optimistic_update``'s ``attempt``-th version conflict."""
    return _CONFLICT_BACKOFF(_state(attempt))


#: The retrying object a call state belongs to; tenacity's wait strategies never look at it.
_RETRYING: Final = tenacity.Retrying()


def _state(attempt: int) -> tenacity.RetryCallState:
    """What tenacity's strategies read: the number of the attempt that just failed."""
    state = tenacity.RetryCallState(_RETRYING, None, (), {})
    state.attempt_number = attempt
    return state


async def pause(seconds: float) -> None:
    """Wait between attempts; in the testing mode only yield to other tasks."""
    await anyio.sleep(0 if is_testing() else seconds)
