"""One API call: its deadline, its attempts, what an earlier attempt left unclear, and how
a conflict after such an attempt is reconciled.

A resource method starts a :class:`Call` and runs it with a parser for the 2xx body and,
for writes, a reconciliation step. The call makes attempts in one visible loop: each waits
for a slot of the client's ``max_concurrency``, gets what is left of the deadline as its
timeout, and ends in a response or a :class:`~._retry.Failure`; the retry policy says
whether (and after how long) to try again. When a write meets a ``409`` after an attempt
whose outcome is unclear, the resource's ``reconcile`` decides from the server's state
whether the conflict is the echo of our own write; its requests share the same deadline.
"""

from __future__ import annotations

import contextvars
import json
import time
from collections.abc import Callable, Mapping
from typing import Final, NoReturn, TypeVar

import anyio
import attrs
import httpx

from ._answer import Answer
from ._config import DEFAULT_MAX_RESPONSE_BYTES, RequestOptions, check_headers
from ._conflicts import Reconcile, settle
from ._error_bodies import status_error
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    InvalidResponseError,
    PictoryError,
    mark_outcome_unknown,
)
from ._logging import log_attempt, log_retry
from ._retry import Failure, next_wait, pause, status_failure, transport_failure
from ._rules import FieldError, is_utf8_encodable
from ._secret import MaskedHeaders, Secret
from ._session import ApiSession
from ._slots import Slots
from ._types import NOT_GIVEN, Headers, NotGiven
from ._wire import ResponseTooLargeError

__all__ = [
    "Call",
    "CallContext",
    "CallRecord",
    "PerCall",
    "capture_records",
    "encode_body",
    "release_records",
]

T = TypeVar("T")

_DESCRIPTION_MAX: Final = 300
_INVALID_MAX: Final = 500
_WRITES: Final = frozenset({"POST", "PUT", "PATCH"})
#: How httpx's RemoteProtocolError begins when a redirect's Location is not a URL.
_BAD_REDIRECT: Final = "Invalid URL in location header"


@attrs.frozen
class CallRecord:
    """What a finished call knows of the response its result came from (for raw responses)."""

    response: Answer
    attempts: int
    elapsed: float


#: Set by ``with_raw_response`` for the length of one call; ``Call.run`` appends to it.
_RECORDS: Final[contextvars.ContextVar[list[CallRecord] | None]] = contextvars.ContextVar(
    "pictory_vimeo_call_records", default=None
)


def capture_records() -> tuple[list[CallRecord], contextvars.Token[list[CallRecord] | None]]:
    """Start collecting the records of the calls this task makes; reset the token after."""
    records: list[CallRecord] = []
    return records, _RECORDS.set(records)


def release_records(token: contextvars.Token[list[CallRecord] | None]) -> None:
    """Stop collecting: what ``capture_records`` started, with the token it returned."""
    _RECORDS.reset(token)


def encode_body(body: Mapping[str, object]) -> Secret[bytes] | FieldError:
    """The JSON request body, masked; or what keeps JSON from carrying it.

    Returned rather than raised, so the caller raises from a frame that holds no body and
    no error has this frame (with ``body`` in its locals) or JSON's exception behind it.
    """
    try:
        return Secret(
            json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
                "utf-8"
            )
        )
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError) as exc:
        return FieldError("body", f"cannot be sent as JSON ({type(exc).__name__})")


@attrs.frozen
class PerCall:
    """What a caller set for one call only (each ``NOT_GIVEN`` when left to the client)."""

    timeout: float | NotGiven = NOT_GIVEN
    max_retries: int | NotGiven = NOT_GIVEN
    extra_headers: Headers | NotGiven | None = NOT_GIVEN


@attrs.frozen
class CallContext:
    """What a client's resources start calls with: its session, options, headers and slots."""

    session: ApiSession
    options: RequestOptions
    #: The session's headers with the client's ``default_headers`` merged in.
    headers: httpx.Headers
    #: In-flight requests of this client (``max_concurrency``).
    slots: Slots
    #: The largest answer body taken, raw and decoded (``max_response_bytes``).
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    #: ``headers`` as the pools take them, made once.
    wire_headers: MaskedHeaders = attrs.field(init=False)

    @wire_headers.default
    def _plain_headers(self) -> MaskedHeaders:
        return MaskedHeaders(self.headers.items())

    def start(
        self,
        method: str,
        path: str,
        per_call: PerCall,
        *,
        connection_id: str | None = None,
        secrets: Secret[tuple[str, ...]] | None = None,
    ) -> Call:
        """A new call with the per-call settings on top of the client's."""
        options = self.options.merged(timeout=per_call.timeout, max_retries=per_call.max_retries)
        headers = self.wire_headers
        extra = per_call.extra_headers
        if not isinstance(extra, NotGiven) and extra:
            merged = self.headers.copy()
            merged.update(check_headers(extra, "extra_headers"))
            headers = MaskedHeaders(merged.items())
        return Call(
            self, options, headers, method, path, connection_id=connection_id, secrets=secrets
        )


class Call:
    """One call of the API, from its first attempt to its result or its final error."""

    def __init__(
        self,
        context: CallContext,
        options: RequestOptions,
        headers: MaskedHeaders,
        method: str,
        path: str,
        *,
        connection_id: str | None = None,
        secrets: Secret[tuple[str, ...]] | None = None,
        deadline: float | None = None,
    ) -> None:
        self.context = context
        self.options = options
        self.method = method
        self.path = path
        self.connection_id = connection_id
        self.deadline = anyio.current_time() + options.timeout if deadline is None else deadline
        # A secret with no UTF-8 form was refused as input; none is ever remembered.
        self.scrub = context.session.scrubber(
            () if secrets is None else (s for s in secrets.reveal() if is_utf8_encodable(s))
        )
        self.attempts = 0
        #: Whether a write attempt may have been applied without our hearing of it.
        self.unclear = False
        #: When the first unclear attempt was sent (``time.time()``).
        self.unclear_since: float | None = None
        #: This call's headers; ``_sent_headers`` adds what its own body needs.
        self._headers = headers
        self._sent_headers = headers
        self._started = time.perf_counter()
        self._last: Failure | None = None

    async def run(
        self,
        parse: Callable[[Answer], T],
        *,
        content: Secret[bytes] | None = None,
        params: Mapping[str, str] | None = None,
        reconcile: Reconcile[Call, T] | None = None,
    ) -> T:
        """Send until a 2xx (parsed with ``parse``), a final error, or the deadline.

        ``content`` is the JSON body (from ``encode_body``). ``reconcile`` settles a write
        whose outcome an attempt left unclear: after a ``409``, and when the call is about
        to fail for any other reason (see ``_conflicts``).
        """
        if content is not None:
            self._sent_headers = MaskedHeaders(
                (k, v) for k, v in self._headers.items() if k.lower() != "content-type"
            )
            self._sent_headers["Content-Type"] = "application/json"
        failure: PictoryError | None = None
        try:
            response = await self.send(content=content, params=params)
        except PictoryError as failed:
            if not self.unclear:
                raise
            failure = failed
        if failure is not None:
            # Settled outside the handler, so what it raises has no context of its own.
            if reconcile is None:
                raise mark_outcome_unknown(failure)
            value, response = await settle(self, reconcile, failure)
        else:
            value = self._parse(parse, response)
        records = _RECORDS.get()
        if records is not None:
            records.append(CallRecord(response, self.attempts, time.perf_counter() - self._started))
        return value

    def _parse(self, parse: Callable[[Answer], T], response: Answer) -> T:
        try:
            return parse(response)
        except InvalidResponseError as invalid:
            text = self.scrub.line(str(invalid), _INVALID_MAX)
        except PictoryError:
            raise
        except Exception as exc:  # whatever a hostile body makes a parser raise
            text = (
                f"{self.method} {self.path}: the response could not be read ({type(exc).__name__})"
            )
        raise InvalidResponseError(text, response=response.response)

    async def fetch(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None
    ) -> Answer:
        """A further request of this call (to reconcile), within its deadline and retries."""
        follow_up = Call(
            self.context, self.options, self._headers, method, path, deadline=self.deadline
        )
        follow_up.scrub = self.scrub
        return await follow_up.send(params=params)

    async def send(
        self, *, content: Secret[bytes] | None = None, params: Mapping[str, str] | None = None
    ) -> Answer:
        """Make attempts until a 2xx, a failure not worth retrying, or the deadline."""
        max_retries = self.options.max_retries
        while True:
            self.attempts += 1
            outcome = await self._attempt(content, params)
            if isinstance(outcome, Answer):
                return outcome
            self._last = outcome
            time_left = self.deadline - anyio.current_time()
            wait = next_wait(outcome, self.attempts, max_retries, time_left)
            if wait is None:
                raise outcome.error
            log_retry(self.method, self.path, self.attempts, max_retries + 1, wait, outcome.reason)
            await pause(wait)

    async def _attempt(
        self, content: Secret[bytes] | None, params: Mapping[str, str] | None
    ) -> Answer | Failure:
        remaining = self.deadline - anyio.current_time()
        if remaining <= 0:
            # The wait before this attempt overran the deadline: it was never made.
            self.attempts -= 1
            self._raise_timeout()
        sent_at = time.time()
        started = time.perf_counter()
        sent = False
        timed_out = False
        too_large: str | None = None
        try:
            # The deadline bounds the attempt as a whole: the wait for a concurrency slot
            # (when there is one) and the exchange, which each pool bounds its own way.
            async with self.context.slots.slot(self.deadline):
                sent = True
                response = await self.context.session.exchange(
                    self.method,
                    self.path,
                    headers=self._sent_headers,
                    content=None if content is None else content.reveal(),
                    params=params,
                    deadline=self.deadline,
                    limit=self.context.max_response_bytes,
                )
        except TimeoutError:
            timed_out = True
        except httpx.HTTPError as exc:
            return self._transport_failure(exc, sent_at)
        except ResponseTooLargeError as exc:
            too_large = str(exc)
        # Raised here, not in the handlers: the exception's traceback runs through the
        # pool's frames (the request, its key), and would be the error's context.
        if too_large is not None:
            # An answer came, too large to take: not retried (it would come again), and
            # not unclear (the server did answer), but never taken for a success.
            log_attempt(self.method, self.path, self.attempts, "answer too large")
            raise InvalidResponseError(
                f"{self.method} {self.path}: {too_large}; its connection was closed"
            )
        if timed_out:
            self._note_unclear(sent, sent_at)
            log_attempt(self.method, self.path, self.attempts, "deadline passed")
            self._raise_timeout()
        log_attempt(
            self.method,
            self.path,
            self.attempts,
            response.status,
            (time.perf_counter() - started) * 1000.0,
        )
        problem = None
        undecodable = response.undecodable
        if undecodable is not None:
            problem = self.scrub.line(
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
            scrub=self.scrub,
            attempts=self.attempts,
            connection_id=self.connection_id,
            problem=problem,
        )
        failure = status_failure(error)
        self._note_unclear(failure.unclear, sent_at)
        return failure

    def _transport_failure(self, exc: httpx.HTTPError, sent_at: float) -> Failure:
        log_attempt(self.method, self.path, self.attempts, self.scrub.line(str(exc), 200))
        if isinstance(exc, httpx.RemoteProtocolError) and str(exc).startswith(_BAD_REDIRECT):
            # httpx reads a redirect's Location even when it follows none, and fails on one
            # that is not a URL: an answer did come (a redirect, never a success), so it
            # is neither retried nor taken for a write that may have been applied.
            error = APIConnectionError(
                f"{self.method} {self.path}: the server answered with a redirect whose "
                "Location header is not a valid URL",
                attempts=self.attempts,
            )
            return Failure(error, retryable=False, unclear=False, reason="invalid redirect")
        # In plain words already (``_failures``), the same on every pool, with where it went.
        text = self.scrub.line(f"{exc} ({self.context.session.origin})", _DESCRIPTION_MAX)
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        # Built from a scrubbed description, not chained to httpx's exception: its text
        # (and its own causes) may quote the request.
        error = cls(f"{self.method} {self.path} failed: {text}", attempts=self.attempts)
        failure = transport_failure(exc, error)
        self._note_unclear(failure.unclear, sent_at)
        return failure

    def _note_unclear(self, unclear: bool, sent_at: float) -> None:
        if unclear and self.method in _WRITES:
            self.unclear = True
            if self.unclear_since is None:
                self.unclear_since = sent_at

    def _raise_timeout(self) -> NoReturn:
        error = APITimeoutError(
            f"{self.method} {self.path}: the call's deadline passed", attempts=self.attempts
        )
        cause = self._last.error if self._last is not None else None
        raise error from cause
