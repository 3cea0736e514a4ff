"""A request's attempts within its call's deadline: the retry loop and what each one left.

Each attempt waits for a slot of the client's ``max_concurrency``, gets what is left of
the deadline as its timeout, and ends in an answer or a :class:`~._retry.Failure`; the
retry policy (``_retry``) says whether, and after how long, to try again. What an attempt
leaves unclear (a write that may have been applied with no answer heard) is noted here
for the call to settle (``_conflicts``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Final, NoReturn, Protocol

import anyio
import httpx

from ._answer import Answer, Outgoing, target_of
from ._budget import refused
from ._config import RequestOptions
from ._error_bodies import parse_retry_after, status_error
from ._errors import APITimeoutError, InvalidResponseError
from ._logging import log_attempt, log_retry
from ._redact import Scrubber
from ._retry import Failure, next_wait, pause, status_failure, transport_failure
from ._secret import MaskedHeaders, Secret
from ._session import ApiSession
from ._slots import Slots
from ._trace import CallTrace
from ._traffic import Traffic
from ._wire import ResponseTooLargeError

__all__ = ["Attempts", "Carrier"]

_DESCRIPTION_MAX: Final = 300
_WRITES: Final = frozenset({"POST", "PUT", "PATCH"})


class Carrier(Protocol):
    """What attempts go out over: a client's session, its slots, its answer size limit."""

    @property
    def session(self) -> ApiSession: ...
    @property
    def slots(self) -> Slots: ...
    @property
    def max_response_bytes(self) -> int: ...
    @property
    def traffic(self) -> Traffic: ...


class Attempts:
    """One request, attempted until a 2xx, a failure not worth retrying, or the deadline.

    A call's follow-up reads (to reconcile) are ``Attempts`` of their own, under the same
    deadline and scrubber.
    """

    def __init__(
        self,
        carrier: Carrier,
        options: RequestOptions,
        headers: MaskedHeaders,
        method: str,
        path: str,
        *,
        deadline: float,
        scrub: Scrubber,
        connection_id: str | None = None,
        trace: CallTrace | None = None,
    ) -> None:
        self._carrier = carrier
        self._options = options
        #: What is sent; a body's ``Content-Type`` is added by the call that has one.
        self.headers = headers
        self.method = method
        self.path = path
        self.deadline = deadline
        self._scrub = scrub
        self._connection_id = connection_id
        #: Attempts made so far.
        self.made = 0
        #: Whether a write attempt may have been applied without our hearing of it.
        self.unclear = False
        #: When the first unclear attempt was sent (``time.time()``).
        self.unclear_since: float | None = None
        self._last: Failure | None = None
        #: The call's trace span, when tracing is on.
        self.trace = trace
        #: What the last retry took from the retry budget (given back on success).
        self._spent: int | None = None
        #: The end of the client-wide pause this call's own Retry-After started (it waits
        #: that out itself, before its retry, so the pause does not hold it twice).
        self._own_pause = -math.inf

    async def send(
        self, *, content: Secret[bytes] | None = None, params: Mapping[str, str] | None = None
    ) -> Answer:
        """Make attempts until a 2xx, a failure not worth retrying, or the deadline."""
        max_retries = self._options.max_retries
        target = target_of(self.path, params)
        while True:
            self.made += 1
            outcome = await self._attempt(content, target)
            if isinstance(outcome, Answer):
                self._carrier.traffic.succeeded(self._spent)
                return outcome
            self._last = outcome
            time_left = self.deadline - anyio.current_time()
            wait = next_wait(outcome, self.made, max_retries, time_left)
            if wait is None:
                raise outcome.error
            self._spent = self._carrier.traffic.allow_retry(outcome.error, self.trace)
            if self._spent is None:
                raise refused(outcome.error, self.made)
            log_retry(self.method, self.path, self.made, max_retries + 1, wait, outcome.reason)
            await pause(wait)

    async def _attempt(self, content: Secret[bytes] | None, target: str) -> Answer | Failure:
        try:
            now = await self._carrier.traffic.admit(self.deadline, self.trace, self._own_pause)
        except TimeoutError:
            self.made -= 1
            self._raise_timeout(" while waiting for the client's rate limit")
        if now >= self.deadline:
            # The wait before this attempt overran the deadline: it was never made.
            self.made -= 1
            self._raise_timeout()
        sent_at = time.time()
        mark = self._carrier.traffic.attempt(self.trace, now)
        started = time.perf_counter()
        sent = False
        timed_out = False
        too_large: str | None = None
        try:
            # The deadline bounds the attempt as a whole: the wait for a concurrency slot
            # (when there is one) and the exchange, which each pool bounds its own way.
            async with self._carrier.slots.slot(self.deadline):
                sent = True
                # Made here, not held in a local: the revealed body goes with the call.
                response = await self._carrier.session.pool.exchange(
                    Outgoing(
                        self.method,
                        target,
                        self.headers,
                        None if content is None else content.reveal(),
                        self._carrier.max_response_bytes,
                        self.deadline,
                    )
                )
        except TimeoutError:
            timed_out = True
            mark.done(None, "APITimeoutError" if sent else None)
        except httpx.HTTPError as exc:
            mark.done(None, type(exc).__name__)
            return self._transport_failure(exc, sent_at)
        except ResponseTooLargeError as exc:
            too_large = str(exc)
            mark.done(None, "InvalidResponseError")
        except BaseException:  # cancelled: the attempt's span ends all the same
            mark.done(None, None)
            raise
        # Raised here, not in the handlers: the exception's traceback runs through the
        # pool's frames (the request, its key), and would be the error's context.
        if too_large is not None:
            # An answer came, too large to take: not retried (it would come again), and
            # not unclear (the server did answer), but never taken for a success.
            log_attempt(self.method, self.path, self.made, "answer too large")
            raise InvalidResponseError(
                f"{self.method} {self.path}: {too_large}; its connection was closed"
            )
        if timed_out:
            self._note_unclear(sent, sent_at)
            log_attempt(self.method, self.path, self.made, "deadline passed")
            self._raise_timeout()
        log_attempt(
            self.method,
            self.path,
            self.made,
            response.status,
            (time.perf_counter() - started) * 1000.0,
        )
        asked = None if response.is_success else response.header(b"retry-after")
        paused = mark.done(response.status, None, parse_retry_after(asked))
        self._own_pause = self._own_pause if paused is None else paused
        problem = None
        undecodable = response.undecodable
        if undecodable is not None:
            problem = self._scrub.line(
                f"the body could not be decoded as its Content-Encoding ({undecodable}) says",
                _DESCRIPTION_MAX,
            )
        if response.is_success:
            if problem is not None:
                raise InvalidResponseError(
                    f"{self.method} {self.path} answered {response.status}, but {problem}",
                    response=response.response,
                )
            return response
        error = status_error(
            response,
            scrub=self._scrub,
            attempts=self.made,
            connection_id=self._connection_id,
            problem=problem,
        )
        failure = status_failure(error)
        self._note_unclear(failure.unclear, sent_at)
        return failure

    def _transport_failure(self, exc: httpx.HTTPError, sent_at: float) -> Failure:
        log_attempt(self.method, self.path, self.made, self._scrub.line(str(exc), 200))
        # In plain words already (``_failures``), the same on every pool, with where it went;
        # the error is built from this scrubbed text, never chained to httpx's exception,
        # whose text (and its own causes) may quote the request.
        text = self._scrub.line(f"{exc} ({self._carrier.session.origin})", _DESCRIPTION_MAX)
        failure = transport_failure(exc, f"{self.method} {self.path}", text, self.made)
        self._note_unclear(failure.unclear, sent_at)
        return failure

    def _note_unclear(self, unclear: bool, sent_at: float) -> None:
        if unclear and self.method in _WRITES:
            self.unclear = True
            if self.unclear_since is None:
                self.unclear_since = sent_at

    def _raise_timeout(self, where: str = "") -> NoReturn:
        error = APITimeoutError(
            f"{self.method} {self.path}: the call's deadline passed{where}", attempts=self.made
        )
        cause = self._last.error if self._last is not None else None
        raise error from cause
