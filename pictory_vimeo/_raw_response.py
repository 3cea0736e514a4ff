"""``conns.with_raw_response.<method>(...)``: the same call, returning the response itself.

This module knows no resource: a resource lists its own raw methods (``with_raw_response``),
each the plain method wrapped here, not declared again: it runs the plain method of a
resource whose call context hands it the call's record (``CallContext.keeping``), so
validation, retries, reconciliation and every error are exactly the plain method's.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Generic, ParamSpec, TypeVar
from urllib.parse import urlsplit

import httpx

from ._answer import request_id_of
from ._call import CallRecord, Keep

__all__ = ["RawResponse", "raw"]

P = ParamSpec("P")
T = TypeVar("T")


class RawResponse(Generic[T]):
    """The HTTP response a call's result came from, with that result at ``.parse()``.

    ``retries_taken`` counts the attempts after the first; ``elapsed`` is the whole call,
    retries and waits included. After a write whose answer was lost and then reconciled,
    the response is the read that confirmed it.

    Made by ``conns.with_raw_response.<method>(...)``; not meant to be constructed directly.

    Attributes:
        retries_taken (int): Attempts after the first.
        elapsed (datetime.timedelta): The whole call, retries and waits included.
    """

    def __init__(self, record: CallRecord, parsed: T) -> None:
        self._answer = record.response
        self.retries_taken = record.attempts - 1
        self.elapsed = timedelta(seconds=record.elapsed)
        self._parsed = parsed

    @property
    def http_response(self) -> httpx.Response:
        """The raw response, built when first asked for (its ``.request`` holds the key
        and body as sent: log its parts with care)."""
        return self._answer.response

    @property
    def status_code(self) -> int:
        """The response's HTTP status."""
        return self._answer.status

    @property
    def headers(self) -> httpx.Headers:
        """The response's headers."""
        return self._answer.headers

    @property
    def request_id(self) -> str | None:
        """The server's ID for the request (``x-request-id``), when it sent one."""
        return request_id_of(self._answer.headers)

    def parse(self) -> T:
        """The result the plain method returns (a model, a page, or ``None``).

        Returns:
            What the same call without ``with_raw_response`` returns, already read from
            this response (parsing cannot fail here: a bad body raised at the call).
        """
        return self._parsed

    def __repr__(self) -> str:
        answer = getattr(self, "_answer", None)
        if answer is None or not hasattr(self, "retries_taken"):  # half-built
            return f"<{type(self).__name__} (not built)>"
        return (
            f"<RawResponse [{self.status_code}] {answer.method} {urlsplit(answer.url).path} "
            f"retries_taken={self.retries_taken}>"
        )


def raw(
    method: Callable[P, Awaitable[T]], keeping: Callable[[Keep], Callable[P, Awaitable[T]]]
) -> Callable[P, Awaitable[RawResponse[T]]]:
    """``method`` returning a ``RawResponse`` of its result instead of the result.

    ``keeping(keep)`` is the same method of a resource whose calls hand their records to
    ``keep``: made for each raw call, so concurrent calls never mix their records.
    """

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        records: list[CallRecord] = []
        parsed = await keeping(records.append)(*args, **kwargs)
        return RawResponse(records[-1], parsed)

    # What help() and editors show at run time: the plain method's parameters, this result.
    plain = inspect.signature(method)
    returns = plain.return_annotation
    named = returns if isinstance(returns, str) else getattr(returns, "__name__", str(returns))
    call.__signature__ = plain.replace(  # type: ignore[attr-defined]
        return_annotation=f"RawResponse[{named}]"
    )
    return call
