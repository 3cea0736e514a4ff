"""The API's objects as frozen attrs classes, and the one cattrs converter for their JSON.

Python names are snake_case; the wire is camelCase. The converter is strict about the
types of fields the API documents (a string where a number belongs is an invalid
response, not something to coerce) and tolerant of fields it does not know.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final, Generic, TypeGuard, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._errors import ValidationError
from ._redact import REDACTED
from ._rules import CONNECTION_FIELDS, FieldError, is_utf8_encodable
from ._types import NOT_GIVEN, NotGiven

__all__ = [
    "Page",
    "VimeoConnection",
    "VimeoConnectionCreate",
    "VimeoConnectionUpdate",
    "converter",
    "structure_connection",
    "to_body",
    "to_camel",
]

T = TypeVar("T")

_SHOWN: Final = repr(REDACTED)


def _redact(_: object) -> str:
    return _SHOWN


def _length(value: str | None) -> str:
    return "None" if value is None else f"<{len(value)} characters>"


def _redact_if_given(value: object) -> str:
    return repr(value) if value is None or isinstance(value, NotGiven) else _SHOWN


@attrs.frozen
class VimeoConnection:
    """A Vimeo connection as the API returns it. Secrets are write-only and never here.

    Frozen: change a connection with ``update`` (or :func:`optimistic_update`), which
    returns the new state.

    Attributes:
        connection_id (str): The connection's ID (case-sensitive).
        name (str): 1-100 characters of letters, digits, spaces, ``_`` or ``-``; unique
            in the account.
        client_identifier (str): The Vimeo app's client identifier (1-500 characters).
        enabled (bool): Whether the connection is enabled.
        version (int): Its version, 1 when created and one higher with every update;
            ``update`` must be given the current one.
        description (str | None): Up to 250 characters; ``None`` when it has none.
        type (str | None): ``"VIMEO"``; ``None`` where the API omits it (the create
            response does).
        created_date (datetime | None): When it was created, an aware UTC ``datetime``;
            ``None`` in the create response.
        updated_date (datetime | None): When it last changed, as ``created_date``.
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

    def to_dict(self) -> dict[str, object]:
        """The connection in the API's JSON shape and order: camelCase keys, ISO-8601 dates.

        Every field is present; one the API left out (``type`` and the dates after a
        create, a missing ``description``) is ``None``. Secrets are never part of it.

        Returns:
            A new dict: ``connectionId``, ``name``, ``description``, ``clientIdentifier``,
            ``type``, ``enabled``, ``createdDate``, ``updatedDate``, ``version``, with dates
            as ISO-8601 text ending in ``Z``.
        """
        raw: dict[str, object] = converter.unstructure(self)
        return {key: raw[key] for key in CONNECTION_FIELDS}

    def to_json(self, **dumps_kwargs: Any) -> str:
        """``to_dict()`` as JSON text; keyword arguments go to ``json.dumps``.

        Args:
            **dumps_kwargs: Passed to ``json.dumps`` (``ensure_ascii`` defaults to
                ``False``).

        Returns:
            The JSON text of :meth:`to_dict`.
        """
        dumps_kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **dumps_kwargs)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> VimeoConnection:
        """A connection from the API's JSON shape (as ``to_dict`` or the API gives it).

        Args:
            data: A mapping with the API's camelCase keys; unknown keys are ignored,
                ``type``, ``description`` and the dates may be missing or ``null``.

        Returns:
            The connection.

        Raises:
            ValidationError: ``data`` is not a mapping, or a field is missing or of the
                wrong type (named in the error).
        """
        if not isinstance(data, Mapping):
            raise ValidationError(
                [FieldError("data", f"must be a mapping (got {type(data).__name__})")]
            )
        try:
            return structure_connection(data)
        except Exception as exc:
            raise ValidationError([FieldError("data", first_problem(exc))]) from None


@attrs.frozen
class VimeoConnectionCreate:
    """The body of a create request. Secrets show as ``'**********'`` in its repr.

    The rules are checked when it is sent (see :meth:`AsyncVimeoConnections.create`).

    Attributes:
        name (str): 1-100 characters of letters, digits, spaces, ``_`` or ``-``.
        client_identifier (str): 1-500 characters.
        client_secret (str): 1-500 characters; write-only.
        access_token (str): 1-500 characters; write-only.
        description (str | None): Up to 250 characters, or ``None``.
        enabled (bool): Whether the new connection is enabled.
    """

    name: str
    client_identifier: str
    client_secret: str = attrs.field(repr=_redact)
    access_token: str = attrs.field(repr=_redact)
    description: str | None = None
    enabled: bool = True


@attrs.frozen
class VimeoConnectionUpdate:
    """The body of a partial update: ``NOT_GIVEN`` fields are not sent, a ``None``
    description clears it. Secrets are redacted in the repr.

    The rules are checked when it is sent (see :meth:`AsyncVimeoConnections.update`).

    Attributes:
        version (int): The connection's current version (an integer >= 1).
        name (str | NotGiven): A new name (1-100 characters of letters, digits, spaces,
            ``_`` or ``-``).
        description (str | NotGiven | None): A new description (up to 250 characters),
            or ``None`` to clear it.
        enabled (bool | NotGiven): Enable or disable the connection.
        client_identifier (str | NotGiven): 1-500 characters.
        client_secret (str | NotGiven): 1-500 characters; write-only.
        access_token (str | NotGiven): 1-500 characters; write-only.
    """

    version: int
    name: str | NotGiven = NOT_GIVEN
    description: str | NotGiven | None = NOT_GIVEN
    enabled: bool | NotGiven = NOT_GIVEN
    client_identifier: str | NotGiven = NOT_GIVEN
    client_secret: str | NotGiven = attrs.field(default=NOT_GIVEN, repr=_redact_if_given)
    access_token: str | NotGiven = attrs.field(default=NOT_GIVEN, repr=_redact_if_given)


@attrs.frozen
class Page(Generic[T]):
    """One page of a listing: its items and the key of the next page (``None`` at the end).

    Attributes:
        items (list[T]): The page's items, in the server's order (possibly none).
        next_page_key (str | None): Pass it back as ``next_page_key`` for the next page,
            exactly as received; ``None`` on the last page.
    """

    items: list[T]
    #: Opaque server text (it may echo anything): its repr gives only its length.
    next_page_key: str | None = attrs.field(default=None, repr=_length)


def to_camel(name: str) -> str:
    """``client_identifier`` -> ``clientIdentifier``."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def to_body(model: VimeoConnectionCreate | VimeoConnectionUpdate) -> dict[str, object]:
    """The JSON body for a write model: camelCase keys, fields not given left out.

    In a create, a ``None`` description is left out too; in an update it is sent as
    ``null``, which clears the description.
    """
    clears = isinstance(model, VimeoConnectionUpdate)
    body: dict[str, object] = {}
    for field in attrs.fields(type(model)):
        value = getattr(model, field.name)
        if isinstance(value, NotGiven) or (value is None and not clears):
            continue
        body[to_camel(field.name)] = value
    return body


class _RefusedValueError(ValueError):
    """A value one of the converter's own hooks refused; its text names no value."""


def _describe(exc: BaseException, kind: type | None) -> str:
    return str(exc) if isinstance(exc, _RefusedValueError) else cattrs.v.format_exception(exc, kind)


def first_problem(exc: BaseException) -> str:
    """The first thing wrong in a structuring failure, in words (never the raw value)."""
    if isinstance(exc, cattrs.BaseValidationError):
        messages = cattrs.transform_error(exc, format_exception=_describe)
        return messages[0] if messages else type(exc).__name__
    if isinstance(exc, _RefusedValueError):
        return str(exc)
    return type(exc).__name__


def _strict(kind: type[Any], label: str) -> Any:
    """A structure hook that accepts exactly ``kind`` (and never a bool for an int)."""

    def structure(value: object, _: object) -> object:
        if type(value) is not kind:
            raise _RefusedValueError(f"expected {label}, got {type(value).__name__}")
        return value

    return structure


def _text(value: object, _: object) -> str:
    """Exactly a string, and one that is valid Unicode.

    JSON can spell a lone surrogate (``"\\ud800"``); such a string cannot be printed,
    written as UTF-8 or sent back to the API, so it is not a value the API documents.
    """
    if type(value) is not str:
        raise _RefusedValueError(f"expected a string, got {type(value).__name__}")
    if not value.isascii() and not is_utf8_encodable(value):
        raise _RefusedValueError(
            "expected a string of valid Unicode, got one with a lone surrogate"
        )
    return value


def _parse_datetime(value: object, _: object) -> datetime:
    if not isinstance(value, str):
        raise _RefusedValueError(f"expected an ISO-8601 string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
        # The API speaks UTC; an offset is honoured but normalised so dates compare alike.
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise _RefusedValueError("expected an ISO-8601 date") from None


def _format_datetime(value: datetime) -> str:
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    fraction = (
        f"{utc.microsecond // 1000:03d}"
        if utc.microsecond % 1000 == 0
        else f"{utc.microsecond:06d}"
    )
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + fraction + "Z"


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=False)
    conv.register_structure_hook(str, _text)
    conv.register_structure_hook(int, _strict(int, "an integer"))
    conv.register_structure_hook(bool, _strict(bool, "a boolean"))
    conv.register_structure_hook(datetime, _parse_datetime)
    conv.register_unstructure_hook(datetime, _format_datetime)
    renames: dict[str, Any] = {
        a.name: override(rename=to_camel(a.name)) for a in attrs.fields(VimeoConnection)
    }
    conv.register_structure_hook(
        VimeoConnection, make_dict_structure_fn(VimeoConnection, conv, **renames)
    )
    conv.register_unstructure_hook(
        VimeoConnection, make_dict_unstructure_fn(VimeoConnection, conv, **renames)
    )
    return conv


#: The converter between the models and the API's JSON.
converter: Final = _make_converter()


def _plain(value: object) -> TypeGuard[str]:
    """Exactly a string of valid Unicode (what ``_text`` accepts)."""
    return type(value) is str and (value.isascii() or is_utf8_encodable(value))


def structure_connection(data: Mapping[str, object]) -> VimeoConnection:
    """A connection from the API's JSON object.

    The object the API sends takes a direct path (a page of 25 is most of a listing's own
    cost otherwise); anything unusual — a field missing, of another type, a date that does
    not parse — goes through the converter, which decides and says exactly what is wrong.
    Both give the same model (a property test holds them to it).
    """
    get = data.get
    connection_id, name, client, enabled, version = (
        get("connectionId"),
        get("name"),
        get("clientIdentifier"),
        get("enabled"),
        get("version"),
    )
    description, kind, created, updated = (
        get("description"),
        get("type"),
        get("createdDate"),
        get("updatedDate"),
    )
    if (
        _plain(connection_id)
        and _plain(name)
        and _plain(client)
        and type(enabled) is bool
        and type(version) is int
        and (description is None or _plain(description))
        and (kind is None or _plain(kind))
        and (created is None or type(created) is str)
        and (updated is None or type(updated) is str)
    ):
        try:
            return VimeoConnection(
                connection_id,
                name,
                client,
                enabled,
                version,
                description,
                kind,
                None if created is None else _parse_datetime(created, None),
                None if updated is None else _parse_datetime(updated, None),
            )
        except _RefusedValueError:
            pass  # a date that does not parse: the converter says so
    structured: VimeoConnection = converter.structure(data, VimeoConnection)
    return structured
