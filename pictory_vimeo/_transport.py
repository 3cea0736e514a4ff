"""The one place a request is sent: auth, deadline, retries (tenacity), error mapping, logging.

A call flows through :meth:`Transport.request`: tenacity drives the attempts; each attempt
builds the request with what is left of the call's deadline as its timeout, sends it,
maps any failure to a typed error, and logs one DEBUG line. A failure is retried when the
policy in ``_retry`` says so and the wait fits the deadline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, Final, NoReturn

import anyio
import attrs
import httpx
import tenacity

from . import _retry
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    PictoryError,
    scrub,
    status_error_from_response,
)

__all__ = ["RequestOptions", "Transport", "logger"]

#: The SDK's logger. It never receives a key, a secret or the Authorization header.
logger: Final = logging.getLogger("pictory_vimeo")


@attrs.frozen
class RequestOptions:
    """Per-call settings: the overall deadline and how many retries it may spend."""

    timeout: float
    max_retries: int


@attrs.define
class _Call:
    """What one call knows across its attempts."""

    method: str
    path: str
    deadline: float
    unclear: bool = False
    #: The last attempt's failure, kept as the cause should the deadline pass in the wait.
    last_error: PictoryError | None = None


class Transport:
    """Sends requests for one API key and base URL over one httpx client (pool)."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        base_url: str,
        headers: Mapping[str, str],
        owns_http: bool,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._headers = dict(headers)
        self._key = next((v for k, v in self._headers.items() if k.lower() == "authorization"), "")
        self._owns_http = owns_http

    @property
    def base_url(self) -> str:
        """The API's base URL, without a trailing slash."""
        return self._base_url

    async def aclose(self) -> None:
        """Close the connection pool if the SDK created it; a caller's client stays open."""
        if self._owns_http:
            await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        options: RequestOptions,
        *,
        json: object = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one API call, retrying as the policy allows; return its 2xx response."""
        call = _Call(method, path, deadline=anyio.current_time() + options.timeout)
        # Most calls succeed at once: the first attempt runs before tenacity is set up,
        # which saves a fifth of the SDK's own cost per call. A failure is handed to
        # tenacity as its attempt 1, so the policy sees exactly the same history.
        try:
            return await self._attempt(call, 1, json=json, params=params)
        except PictoryError as error:
            if options.max_retries == 0 or not _retry.is_retryable(error):
                raise
            first_failure = error
        retrying = tenacity.AsyncRetrying(
            stop=lambda state: self._should_stop(state, call, options.max_retries + 1),
            wait=lambda state: self._wait(state),
            retry=tenacity.retry_if_exception(_retry.is_retryable),
            sleep=_sleep,
            before_sleep=lambda state: _log_retry(state, call, options.max_retries + 1),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                number = attempt.retry_state.attempt_number
                if number == 1:
                    raise first_failure
                return await self._attempt(call, number, json=json, params=params)
        raise AssertionError("unreachable: tenacity either returns or reraises")

    async def _attempt(
        self,
        call: _Call,
        number: int,
        *,
        json: object,
        params: Mapping[str, str] | None,
    ) -> httpx.Response:
        remaining = call.deadline - anyio.current_time()
        if remaining <= 0:
            # The wait before this attempt overran the deadline: it was never made.
            _raise_timeout(call, number - 1, call.last_error)
        request = self._http.build_request(
            call.method,
            self._base_url + call.path,
            json=json,
            params=params,
            headers=self._headers,
            timeout=remaining,
        )
        started = time.perf_counter()
        try:
            # httpx's timeouts bound each phase; this bounds the attempt as a whole.
            with anyio.fail_after(remaining):
                response = await self._http.send(request)
        except TimeoutError as exc:
            call.unclear = True
            _log_attempt(call, number, "deadline passed")
            _raise_timeout(call, number, exc)
        except httpx.TimeoutException as exc:
            self._fail(call, number, exc, APITimeoutError)
        except httpx.TransportError as exc:
            self._fail(call, number, exc, APIConnectionError)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        _log_attempt(call, number, response.status_code, elapsed_ms)
        if response.is_success:
            return response
        error = status_error_from_response(response, attempts=number)
        error.retried_after_unclear = call.unclear
        if _retry.is_unclear(error):
            call.unclear = True
        call.last_error = error
        raise error

    def _fail(
        self,
        call: _Call,
        number: int,
        exc: httpx.TransportError,
        cls: type[APIConnectionError],
    ) -> NoReturn:
        _log_attempt(call, number, type(exc).__name__)
        # httpx's own text can quote a header value; the key must not ride along in it.
        text = scrub(_describe(exc), [self._key])
        error = cls(f"{call.method} {call.path} failed: {text}", attempts=number)
        error.__cause__ = exc
        if _retry.is_unclear(error):
            call.unclear = True
        call.last_error = error
        raise error

    @staticmethod
    def _wait(state: tenacity.RetryCallState) -> float:
        error = _error_of(state)
        asked = _retry.server_wait(error) if error is not None else None
        if asked is not None:
            return asked
        return _retry.backoff_wait(state.attempt_number)

    @staticmethod
    def _should_stop(state: tenacity.RetryCallState, call: _Call, max_attempts: int) -> bool:
        if state.attempt_number >= max_attempts:
            return True
        error = _error_of(state)
        asked = _retry.server_wait(error) if error is not None else None
        if asked is not None and asked > _retry.RETRY_AFTER_CAP:
            return True
        # A wait that would outlast the deadline cannot lead to a useful attempt.
        return anyio.current_time() + state.upcoming_sleep >= call.deadline


async def _sleep(seconds: float) -> None:
    await _retry.backoff_sleep(seconds)


def _error_of(state: tenacity.RetryCallState) -> BaseException | None:
    outcome = state.outcome
    return outcome.exception() if outcome is not None and outcome.failed else None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _raise_timeout(call: _Call, number: int, cause: BaseException | None) -> NoReturn:
    error = APITimeoutError(
        f"{call.method} {call.path}: the call's deadline passed", attempts=number
    )
    raise error from cause


def _log_retry(state: tenacity.RetryCallState, call: _Call, max_attempts: int) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return
    error = _error_of(state)
    reason: Any = error
    if isinstance(error, APIStatusError):
        reason = f"status {error.status_code}"
    elif isinstance(error, PictoryError) and error.__cause__ is not None:
        reason = type(error.__cause__).__name__
    logger.debug(
        "retrying %s %s in %.2f s: attempt %d of %d failed (%s)",
        call.method,
        call.path,
        state.upcoming_sleep,
        state.attempt_number,
        max_attempts,
        reason,
        extra={
            "pictory_event": "retry",
            "pictory_method": call.method,
            "pictory_path": call.path,
            "pictory_attempt": state.attempt_number,
            "pictory_wait_s": state.upcoming_sleep,
            "pictory_reason": str(reason),
        },
    )


def _log_attempt(
    call: _Call, number: int, outcome: int | str, elapsed_ms: float | None = None
) -> None:
    """One DEBUG line per attempt; ``extra`` carries the same facts for structured logging.

    ``outcome`` is the status code, or what ended the attempt without one.
    """
    if not logger.isEnabledFor(logging.DEBUG):
        return
    extra = {
        "pictory_event": "attempt",
        "pictory_method": call.method,
        "pictory_path": call.path,
        "pictory_attempt": number,
        "pictory_status": outcome if isinstance(outcome, int) else None,
        "pictory_outcome": str(outcome),
        "pictory_elapsed_ms": elapsed_ms,
    }
    if elapsed_ms is None:
        logger.debug(
            "%s %s -> %s (attempt %d)", call.method, call.path, outcome, number, extra=extra
        )
    else:
        logger.debug(
            "%s %s -> %d (%.1f ms, attempt %d)",
            call.method,
            call.path,
            outcome,
            elapsed_ms,
            number,
            extra=extra,
        )
