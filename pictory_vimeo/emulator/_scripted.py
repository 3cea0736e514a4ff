"""Scripted faults: the next requests fail exactly as a test says, with no randomness at all.

Each ``fail_next`` call queues one entry; a request takes the earliest entry that matches
its method, and an entry is used up after ``times`` requests. A lock guards the queue: the
server thread takes entries while the test's thread adds them.
"""

from __future__ import annotations

import http
import math
import re
import threading
from collections.abc import Mapping
from typing import Any, Final

import attrs
from starlette.responses import JSONResponse

from .. import _rules
from ._http import DROP_KINDS, DropKind, error_response, settings_from_json

__all__ = [
    "SCRIPTED_FIELDS",
    "FaultScript",
    "ScriptedFault",
    "scripted_fault_from_json",
    "scripted_response",
]

#: ScriptedFault field -> its JSON name on the control route.
SCRIPTED_FIELDS: Final = {
    "status": "status",
    "times": "times",
    "method": "method",
    "drop_after_commit": "dropAfterCommit",
    "retry_after": "retryAfter",
    "drop": "drop",
}
_MAX_RETRY_AFTER: Final = 86_400
_TOKEN: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: The API's own codes where it has one; other statuses take their standard name.
_CODES: Final = {429: "RATE_LIMITED", 500: "INTERNAL_ERROR"}


def _int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int (got {type(value).__name__})")
    return value


def _status(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not 400 <= _int(attribute.name, value) <= 599:
        raise ValueError(f"{attribute.name} must be an HTTP error status, 400 to 599 (got {value})")


def _times(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if _int(attribute.name, value) < 1:
        raise ValueError(f"{attribute.name} must be at least 1 (got {value})")


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _method(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a str or None (got {type(value).__name__})")
    if not _TOKEN.fullmatch(value):
        raise ValueError(
            f"{attribute.name} must be an HTTP method such as 'POST' (got {value!r:.40})"
        )


def _flag(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{attribute.name} must be a bool (got {type(value).__name__})")


def _drop(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and value not in DROP_KINDS:
        shown = ", ".join(repr(kind) for kind in DROP_KINDS)
        raise ValueError(f"{attribute.name} must be one of {shown} or None (got {value!r:.40})")


def _seconds(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"{attribute.name} must be a number or None (got {type(value).__name__})")
    if not (math.isfinite(value) and 0 <= value <= _MAX_RETRY_AFTER):
        raise ValueError(
            f"{attribute.name} must be seconds from 0 to {_MAX_RETRY_AFTER} (got {value!r:.40})"
        )


@attrs.frozen
class ScriptedFault:
    """How the next ``times`` requests of ``method`` (``None``: any) fail.

    Answered with ``status`` before anything changes, carrying ``Retry-After`` when
    ``retry_after`` is set; or, with ``drop_after_commit``, handled normally and then its
    answer lost as ``drop`` says (``status`` then plays no part): ``"close"`` before its
    first byte, ``"cut"`` (the default) after the status line and part of the body,
    ``"reset"`` by a TCP reset.
    """

    status: int = attrs.field(default=503, validator=_status)
    times: int = attrs.field(default=1, validator=_times)
    method: str | None = attrs.field(default=None, converter=_upper, validator=_method)
    drop_after_commit: bool = attrs.field(default=False, validator=_flag)
    retry_after: float | None = attrs.field(default=None, validator=_seconds)
    drop: DropKind | None = attrs.field(default=None, validator=_drop)

    def __attrs_post_init__(self) -> None:
        if self.drop_after_commit and self.retry_after is not None:
            raise ValueError("retry_after cannot go with drop_after_commit: no answer is sent")
        if self.drop is not None and not self.drop_after_commit:
            raise ValueError("drop says how an answer is lost: it needs drop_after_commit")

    @property
    def drop_kind(self) -> DropKind:
        """How a dropped answer is lost: ``drop``, else a cut."""
        return self.drop or "cut"

    def matches(self, method: str) -> bool:
        """Whether a request with this method takes this fault."""
        return self.method is None or self.method == method.upper()

    def to_json(self) -> dict[str, object]:
        """The control route's view: camelCase keys; ``drop`` is the kind a drop takes."""
        shown = {api: getattr(self, field) for field, api in SCRIPTED_FIELDS.items()}
        shown["drop"] = self.drop_kind if self.drop_after_commit else None
        return shown


def scripted_fault_from_json(body: Mapping[str, Any]) -> ScriptedFault | list[_rules.FieldError]:
    """The fault a control-route body asks for, or every problem with the body."""

    def check(field: str, value: object) -> None:
        # One field at a time: a drop kind is checked as it would be with a drop.
        settings: dict[str, Any] = {field: value}
        if field == "drop":
            settings["drop_after_commit"] = True
        ScriptedFault(**settings)

    settings, problems = settings_from_json(
        body, SCRIPTED_FIELDS, check, "is not a field of a scripted fault"
    )
    if problems:
        return problems
    try:
        return ScriptedFault(**settings)
    except ValueError as exc:
        if str(exc).startswith("drop "):
            return [_rules.FieldError("drop", "needs dropAfterCommit: true")]
        message = "cannot go with dropAfterCommit: no answer is sent"
        return [_rules.FieldError("retryAfter", message)]


def _seconds_text(seconds: float) -> str:
    """``2`` for whole seconds, else up to milliseconds (``0.25``)."""
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


def scripted_response(fault: ScriptedFault) -> JSONResponse:
    """The answer of a scripted failure, in the API's error shape."""
    try:
        standard = http.HTTPStatus(fault.status)
    except ValueError:
        code, phrase = "HTTP_ERROR", "Error"
    else:
        code, phrase = _CODES.get(fault.status, standard.name), standard.phrase
    headers = None
    if fault.retry_after is not None:
        headers = {"Retry-After": _seconds_text(fault.retry_after)}
    return error_response(fault.status, code, f"{phrase} (scripted fault)", headers=headers)


@attrs.define
class _Pending:
    fault: ScriptedFault
    left: int


class FaultScript:
    """The queue of scripted faults not yet used up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []

    def add(self, fault: ScriptedFault) -> None:
        """Queue ``fault`` behind the entries already waiting."""
        with self._lock:
            self._pending.append(_Pending(fault, fault.times))

    def take(self, method: str) -> ScriptedFault | None:
        """The earliest entry matching ``method``, using up one of its times; else ``None``."""
        with self._lock:
            for index, entry in enumerate(self._pending):
                if entry.fault.matches(method):
                    entry.left -= 1
                    if entry.left == 0:
                        del self._pending[index]
                    return entry.fault
        return None

    def pending(self) -> list[ScriptedFault]:
        """The entries still waiting, in order, each with the times it has left."""
        with self._lock:
            return [attrs.evolve(entry.fault, times=entry.left) for entry in self._pending]

    def clear(self) -> None:
        """Drop every entry still waiting."""
        with self._lock:
            self._pending.clear()
