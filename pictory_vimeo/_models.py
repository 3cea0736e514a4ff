"""The API's objects as frozen attrs classes, and the one cattrs converter for their JSON.

Python names are snake_case; the wire is camelCase. The converter is strict about the
types of fields the API documents (a string where a number belongs is an invalid
response, not something to coerce) and tolerant of fields it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final, Generic, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

__all__ = [
    "REDACTED",
    "Page",
    "VimeoConnection",
    "VimeoConnectionCreate",
    "VimeoConnectionUpdate",
    "converter",
    "to_camel",
]

T = TypeVar("T")

#: How a secret shows in any repr.
REDACTED: Final = "'**********'"


def _redact(_: object) -> str:
    return REDACTED


def _redact_if_set(value: object) -> str:
    return "None" if value is None else REDACTED


@attrs.frozen
class VimeoConnection:
    """A Vimeo connection as the API returns it. Secrets are write-only and never here.

    ``type``, ``created_date`` and ``updated_date`` are ``None`` where the API omits them
    (the create response does).
    """

    connection_id: str
    name: str
    client_identifier: str
    enabled: bool
    version: int
    description: str | None = None
    type: str | None = None
    created_date: datetime | None = None
    updated_date: datetime | None = None


@attrs.frozen
class VimeoConnectionCreate:
    """The body of a create request. Secrets show as ``'**********'`` in its repr."""

    name: str
    client_identifier: str
    client_secret: str = attrs.field(repr=_redact)
    access_token: str = attrs.field(repr=_redact)
    description: str | None = None
    enabled: bool = True


@attrs.frozen
class VimeoConnectionUpdate:
    """The body of a partial update: ``None`` fields are not sent. Secrets are redacted."""

    version: int
    name: str | None = None
    description: str | None = None
    enabled: bool | None = None
    client_identifier: str | None = None
    client_secret: str | None = attrs.field(default=None, repr=_redact_if_set)
    access_token: str | None = attrs.field(default=None, repr=_redact_if_set)


@attrs.frozen
class Page(Generic[T]):
    """One page of a listing: its items and the key of the next page (``None`` at the end)."""

    items: list[T]
    next_page_key: str | None = None


def to_camel(name: str) -> str:
    """``client_identifier`` -> ``clientIdentifier``."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _strict(kind: type[Any], label: str) -> Any:
    """A structure hook that accepts exactly ``kind`` (and never a bool for an int)."""

    def structure(value: object, _: object) -> object:
        if type(value) is not kind:
            raise TypeError(f"expected {label}, got {type(value).__name__}")
        return value

    return structure


def _parse_datetime(value: object, _: object) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO-8601 string, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    # The API speaks UTC; an offset is honoured but normalised so every date compares alike.
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _format_datetime(value: datetime) -> str:
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=False)
    conv.register_structure_hook(str, _strict(str, "a string"))
    conv.register_structure_hook(int, _strict(int, "an integer"))
    conv.register_structure_hook(bool, _strict(bool, "a boolean"))
    conv.register_structure_hook(datetime, _parse_datetime)
    conv.register_unstructure_hook(datetime, _format_datetime)
    for cls in (VimeoConnection, VimeoConnectionCreate, VimeoConnectionUpdate):
        renames: dict[str, Any] = {
            a.name: override(rename=to_camel(a.name)) for a in attrs.fields(cls)
        }
        conv.register_structure_hook(cls, make_dict_structure_fn(cls, conv, **renames))
        conv.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, conv, **renames))
    return conv


#: The converter between the models and the API's JSON.
converter: Final = _make_converter()


def to_body(model: VimeoConnectionCreate | VimeoConnectionUpdate) -> dict[str, object]:
    """The JSON body for a write model: camelCase keys, unset (``None``) fields left out."""
    raw: Mapping[str, object] = converter.unstructure(model)
    return {key: value for key, value in raw.items() if value is not None}
