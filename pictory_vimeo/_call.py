"""One API call: its settings, its body, its answer read, its outcome settled, its record.

A resource method starts a :class:`Call` (from the client's :class:`CallContext`, with the
per-call settings on top) and runs it with a parser for the 2xx body and, for writes, a
reconciliation step. The attempts are ``_attempts``'s, within the call's deadline. When a
write's attempt left its outcome unclear and the call then fails, the resource's
``reconcile`` reads the server's state (``_conflicts``) with follow-up requests that share
the deadline. A finished call's record (the answer its result came from, the attempts, the
time) goes to whoever the context names to ``keep`` it: ``with_raw_response``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Final, TypeAlias, TypeVar

import anyio
import attrs
import httpx

from ._answer import Answer
from ._attempts import Attempts
from ._config import DEFAULT_MAX_RESPONSE_BYTES, RequestOptions, check_headers
from ._conflicts import Reconcile, settle
from ._errors import (
    InvalidResponseError,
    PictoryError,
    mark_outcome_unknown,
)
from ._rules import FieldError, is_utf8_encodable
from ._secret import MaskedHeaders, Secret
from ._session import ApiSession
from ._slots import Slots
from ._trace import start_trace, traced
from ._traffic import Traffic
from ._types import NOT_GIVEN, Headers, NotGiven

__all__ = ["Call", "CallContext", "CallRecord", "Keep", "PerCall", "encode_body"]

T = TypeVar("T")

_INVALID_MAX: Final = 500


@attrs.frozen
class CallRecord:
    """What a finished call knows of the response its result came from (for raw responses)."""

    response: Answer
    attempts: int
    elapsed: float


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


#: What receives a finished call's record.
Keep: TypeAlias = "Callable[[CallRecord], None]"


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
    #: The retry budget, the rate limiter and the counters, shared with derived clients.
    traffic: Traffic
    #: The largest answer body taken, raw and decoded (``max_response_bytes``).
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    #: Given each finished call's record (``with_raw_response`` sets it; else ``None``).
    keep: Keep | None = None
    #: ``headers`` as the pools take them, made once.
    wire_headers: MaskedHeaders = attrs.field(init=False)

    @wire_headers.default
    def _plain_headers(self) -> MaskedHeaders:
        return MaskedHeaders(self.headers.items())

    def keeping(self, keep: Keep) -> CallContext:
        """This context, handing each finished call's record to ``keep``."""
        return attrs.evolve(self, keep=keep)

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
    """One call of the API, from its first attempt to its result or its final error.

    Its :class:`~._attempts.Attempts` make the request; the call adds its body, reads a
    2xx answer, settles a write an attempt left unclear (``_conflicts``), and hands what
    ``with_raw_response`` needs to the context's ``keep`` when it has one.
    """

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
    ) -> None:
        self.context = context
        self._options = options
        self.method = method
        self.path = path
        # A secret with no UTF-8 form was refused as input; none is ever remembered.
        self.scrub = context.session.scrubber(
            () if secrets is None else (s for s in secrets.reveal() if is_utf8_encodable(s))
        )
        self._headers = headers
        self._tries = Attempts(
            context,
            options,
            headers,
            method,
            path,
            deadline=anyio.current_time() + options.timeout,
            scrub=self.scrub,
            connection_id=connection_id,
        )
        self._started = time.perf_counter()

    @property
    def deadline(self) -> float:
        """When the call's time is up (``anyio.current_time()``'s clock)."""
        return self._tries.deadline

    @property
    def attempts(self) -> int:
        """Attempts made so far."""
        return self._tries.made

    @property
    def unclear_since(self) -> float | None:
        """When the first attempt that may have been applied unheard was sent, if one was."""
        return self._tries.unclear_since

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
        tries = self._tries
        tries.trace = start_trace(self.method, self.path, self.context.session.base_url)
        if tries.trace is None:
            return await self._run(parse, content, params, reconcile)
        return await traced(tries.trace, self._run(parse, content, params, reconcile))

    async def _run(
        self,
        parse: Callable[[Answer], T],
        content: Secret[bytes] | None,
        params: Mapping[str, str] | None,
        reconcile: Reconcile[Call, T] | None,
    ) -> T:
        tries = self._tries
        if content is not None:
            tries.headers = MaskedHeaders(
                (k, v) for k, v in self._headers.items() if k.lower() != "content-type"
            )
            tries.headers["Content-Type"] = "application/json"
        failure: PictoryError | None = None
        try:
            response = await tries.send(content=content, params=params)
        except PictoryError as failed:
            if not tries.unclear:
                raise
            failure = failed
        if failure is not None:
            # Settled outside the handler, so what it raises has no context of its own.
            if reconcile is None:
                raise mark_outcome_unknown(failure)
            value, response = await settle(self, reconcile, failure)
        else:
            value = self._parse(parse, response)
        if self.context.keep is not None:
            elapsed = time.perf_counter() - self._started
            self.context.keep(CallRecord(response, tries.made, elapsed))
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
        follow_up = Attempts(
            self.context,
            self._options,
            self._headers,
            method,
            path,
            deadline=self.deadline,
            scrub=self.scrub,
            trace=self._tries.trace,
        )
        return await follow_up.send(params=params)
