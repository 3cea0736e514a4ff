"""What ``with_raw_response`` learns of a call besides its result: the answer, the attempts.

Kept by ``Call.run`` for the length of one call while ``with_raw_response`` collects them
(a context variable, so concurrent calls of other tasks are not mixed in).
"""

from __future__ import annotations

import contextvars
from typing import Final

import attrs

from ._answer import Answer

__all__ = ["CallRecord", "capture_records", "keep_record", "release_records"]


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


def keep_record(response: Answer, attempts: int, elapsed: float) -> None:
    """Note a finished call's answer, attempts and duration, if this task collects them."""
    records = _RECORDS.get()
    if records is not None:
        records.append(CallRecord(response, attempts, elapsed))
