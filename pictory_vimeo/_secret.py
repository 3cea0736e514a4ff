"""``Secret``: a value that never shows, from the moment it enters the SDK.

Error trackers and ``pytest --showlocals`` record the local variables of every frame a
raised error passed through. A secret held in a ``Secret`` shows there (and in any other
``repr`` or ``str``) only as its mask; the raw value is read with ``reveal()`` at the one
place it is needed, inside an expression, so no frame keeps it as a local. A ``Secret``
refuses to be pickled: bytes that cross a process must not carry it.
"""

from __future__ import annotations

from typing import Any, Final, Generic, NoReturn, TypeVar

__all__ = ["MASK", "SECRET_ARGUMENTS", "MaskedFields", "MaskedHeaders", "Secret"]

T = TypeVar("T")

#: How every secret shows (``_redact.REDACTED``, repeated here so this module stands alone).
MASK: Final = "**********"


class Secret(Generic[T]):
    """A secret value; ``repr`` and ``str`` show ``Secret('**********')``."""

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value = value

    def reveal(self) -> T:
        """The raw value: use it inside an expression, never keep it in a variable."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")


#: The arguments that carry a secret, by their Python names.
SECRET_ARGUMENTS: Final = frozenset({"client_secret", "access_token", "api_key"})


class MaskedFields(dict[str, Any]):
    """Keyword arguments whose ``repr`` masks the secret ones (``client_secret=...``)."""

    def __repr__(self) -> str:
        shown = {k: (MASK if k in SECRET_ARGUMENTS else v) for k, v in self.items()}
        return f"MaskedFields({shown!r})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("MaskedFields cannot be pickled")


class MaskedHeaders(dict[str, str]):
    """Request headers as the pools take them, whose ``repr`` masks ``Authorization``.

    A plain ``dict`` (aiohttp and the exchange read it as one, at no cost), but a frame or
    object that holds it shows the key only as its mask.
    """

    def __repr__(self) -> str:
        shown = {k: (MASK if k.lower() == "authorization" else v) for k, v in self.items()}
        return f"MaskedHeaders({shown!r})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("MaskedHeaders cannot be pickled")
