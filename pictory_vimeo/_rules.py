"""The API's documented field rules: one source of truth for SDK validation and the emulator.

Every rule works on the API's own body shape (camelCase keys, as sent on the wire), so the
SDK validates exactly what it is about to send and the emulator validates exactly what it
received. Errors name the field the caller knows: snake_case for SDK users, camelCase for
the emulator's HTTP clients.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, Literal

import attrs

__all__ = [
    "CONNECTION_FIELDS",
    "CONNECTION_ID_PATTERN",
    "CREATE_FIELDS",
    "FIELD_RULES",
    "SECRET_FIELDS",
    "UPDATE_FIELDS",
    "api_key_problem",
    "FieldError",
    "FieldRule",
    "Naming",
    "check_connection_id",
    "check_count",
    "check_create",
    "check_fields",
    "check_update",
    "is_count",
    "is_utf8_encodable",
    "unsendable",
]

Naming = Literal["api", "python"]

#: What the API's IDs look like: UTC ``yyyyMMddHHmmssSSS`` then 15 lowercase letters/digits.
CONNECTION_ID_PATTERN: Final = re.compile(r"\d{17}[a-z0-9]{15}")

_NAME_CHARS: Final = re.compile(r"[A-Za-z0-9 _-]+")
#: What an API key is made of: it travels as a header value, as is.
_API_KEY_CHARS: Final = re.compile(r"[!-~]+")
_SHOWN_VALUE_MAX: Final = 40


@attrs.frozen
class FieldError:
    """One broken rule: the field's name and what it must be.

    Attributes:
        field (str): The field's name as you passed it (e.g. ``client_identifier``).
        message (str): What the value must be, and what it was (a secret is never shown).
    """

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _shown(value: object, *, secret: bool) -> str:
    """Describe a rejected value without ever echoing a secret or a huge string."""
    if isinstance(value, str):
        if secret or len(value) > _SHOWN_VALUE_MAX:
            return f"{len(value)} characters"
        return repr(value)
    if secret:
        return type(value).__name__
    return f"{type(value).__name__} {value!r}"[: _SHOWN_VALUE_MAX + 10]


def api_key_problem(key: str) -> str | None:
    """What makes ``key`` unusable as an API key (``None`` when nothing does).

    The one rule both sides apply: the SDK refuses such a key before sending it, and the
    emulator answers ``401`` to it. The message never shows the key.
    """
    if _API_KEY_CHARS.fullmatch(key) is None:
        return (
            "must be printable ASCII with no spaces or line breaks"
            " (a key read from a file may end with a newline)"
        )
    return None


def is_utf8_encodable(value: str) -> bool:
    """Whether ``value`` has a UTF-8 form (a lone surrogate has none)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@attrs.frozen
class FieldRule:
    """The rule for one body field, under both of its names."""

    api_name: str
    python_name: str
    kind: Literal["text", "bool", "version"]
    min_length: int = 0
    max_length: int = 0
    name_chars: bool = False
    secret: bool = False

    def name(self, naming: Naming) -> str:
        """The field's name as the caller spells it."""
        return self.api_name if naming == "api" else self.python_name

    def describe(self) -> str:
        """The rule in words, as it appears in an error message."""
        if self.kind == "bool":
            return "must be true or false"
        if self.kind == "version":
            return "must be a positive integer (the connection's current version)"
        if self.name_chars:
            return (
                f"must be {self.min_length}-{self.max_length} characters of letters, digits,"
                " spaces, '_' or '-'"
            )
        if self.min_length == 0:
            return f"must be a string of at most {self.max_length} characters"
        return f"must be a string of {self.min_length}-{self.max_length} characters"

    def violation(self, value: object) -> str | None:
        """Return the error message for ``value``, or ``None`` when it obeys the rule."""
        if isinstance(value, str) and not is_utf8_encodable(value):
            # A lone surrogate cannot be sent as JSON text; say so instead of crashing the send.
            return "must be valid Unicode text (got a lone surrogate)"
        if self._obeys(value):
            return None
        return f"{self.describe()} (got {_shown(value, secret=self.secret)})"

    def _obeys(self, value: object) -> bool:
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "version":
            return is_count(value)
        if not isinstance(value, str) or not self.min_length <= len(value) <= self.max_length:
            return False
        return not self.name_chars or _NAME_CHARS.fullmatch(value) is not None


FIELD_RULES: Final[Mapping[str, FieldRule]] = {
    rule.api_name: rule
    for rule in (
        FieldRule("name", "name", "text", 1, 100, name_chars=True),
        FieldRule("description", "description", "text", 0, 250),
        FieldRule("enabled", "enabled", "bool"),
        FieldRule("clientIdentifier", "client_identifier", "text", 1, 500),
        FieldRule("clientSecret", "client_secret", "text", 1, 500, secret=True),
        FieldRule("accessToken", "access_token", "text", 1, 500, secret=True),
        FieldRule("version", "version", "version"),
    )
}

#: The fields of the connection object the API returns, in the reference's order.
CONNECTION_FIELDS: Final = (
    "connectionId",
    "name",
    "description",
    "clientIdentifier",
    "type",
    "enabled",
    "createdDate",
    "updatedDate",
    "version",
)
#: Fields a create body may carry, in the reference's order.
CREATE_FIELDS: Final = (
    "name",
    "description",
    "enabled",
    "clientIdentifier",
    "clientSecret",
    "accessToken",
)
_CREATE_REQUIRED: Final = frozenset(CREATE_FIELDS) - {"description"}
#: Fields an update body may carry besides ``version``.
UPDATE_FIELDS: Final = CREATE_FIELDS
#: Write-only fields: stored, never returned, never shown.
SECRET_FIELDS: Final = frozenset({"clientSecret", "accessToken"})


def _check(
    body: Mapping[str, object], fields: tuple[str, ...], required: frozenset[str], naming: Naming
) -> list[FieldError]:
    errors: list[FieldError] = []
    for api_name in fields:
        rule = FIELD_RULES[api_name]
        value = body.get(api_name)
        # A null description means "none", as an absent one does; other nulls break the rule.
        if api_name not in body or (value is None and api_name == "description"):
            if api_name in required:
                errors.append(FieldError(rule.name(naming), "is required"))
            continue
        message = rule.violation(value)
        if message is not None:
            errors.append(FieldError(rule.name(naming), message))
    return errors


def check_create(body: Mapping[str, object], *, naming: Naming = "api") -> list[FieldError]:
    """Every rule a create body breaks, in field order; empty when the body is valid."""
    return _check(body, CREATE_FIELDS, _CREATE_REQUIRED, naming)


def check_update(body: Mapping[str, object], *, naming: Naming = "api") -> list[FieldError]:
    """Every rule an update body breaks (``version`` first); empty when the body is valid."""
    return _check(body, ("version", *UPDATE_FIELDS), frozenset({"version"}), naming)


def unsendable(body: Mapping[str, object], *, naming: Naming = "api") -> list[FieldError]:
    """The text fields of ``body`` that have no UTF-8 form, so cannot be sent at all.

    Checked even when validation is off: such a value (a lone surrogate) could neither be
    sent nor masked in an error's text.
    """
    return [
        FieldError(
            rule.name(naming) if (rule := FIELD_RULES.get(key)) is not None else key,
            "must be valid Unicode text (got a lone surrogate)",
        )
        for key, value in body.items()
        if isinstance(value, str) and not is_utf8_encodable(value)
    ]


_BY_PYTHON_NAME: Final = {rule.python_name: rule for rule in FIELD_RULES.values()}


def check_fields(fields: Mapping[str, object]) -> list[FieldError]:
    """Every rule the given fields break (snake_case names), ignoring fields not given.

    For checking part of a request early, e.g. before asking a user for its secrets.
    """
    errors: list[FieldError] = []
    for name, value in fields.items():
        rule = _BY_PYTHON_NAME.get(name)
        if rule is None or (value is None and name == "description"):
            continue
        message = rule.violation(value)
        if message is not None:
            errors.append(FieldError(name, message))
    return errors


def is_count(value: object, least: int = 1) -> bool:
    """Whether ``value`` is an integer >= ``least`` (``True`` and ``False`` are not)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def check_count(
    field: str, value: object, *, least: int = 1, or_none: bool = False
) -> FieldError | None:
    """Why ``value`` is not an integer >= ``least`` (nor ``None``, when allowed), or ``None``.

    The one check of every count a caller passes: retries, limits, sizes, attempts.
    """
    if (value is None and or_none) or is_count(value, least):
        return None
    alternative = ", or None" if or_none else ""
    return FieldError(field, f"must be an integer >= {least}{alternative} (got {value!r:.40})")


def check_connection_id(value: object, *, naming: Naming = "python") -> FieldError | None:
    """Why ``value`` cannot name a connection in a URL path, or ``None`` when it can.

    Escaping leaves dots alone and URL normalisation collapses dot segments, so ``.`` and
    ``..`` would silently address the collection or its parent instead of a connection.
    """
    field = "connectionId" if naming == "api" else "connection_id"
    if not isinstance(value, str):
        return FieldError(field, f"must be a string (got {type(value).__name__})")
    if value in ("", ".", ".."):
        return FieldError(field, f"must be a non-empty ID other than '.' or '..' (got {value!r})")
    if not is_utf8_encodable(value):  # a lone surrogate has no URL form; quote() would crash
        return FieldError(field, "must be valid Unicode text (got a lone surrogate)")
    return None
