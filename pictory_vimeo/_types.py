"""Small types the public signatures share: the ``NOT_GIVEN`` sentinel and header mappings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypeAlias, final

__all__ = ["NOT_GIVEN", "Headers", "NotGiven"]

Headers: TypeAlias = Mapping[str, str]


@final
class NotGiven:
    """The default of a keyword that was not passed, where ``None`` means something.

    ``update(id, version=v, description=None)`` clears the description; leaving the
    keyword out leaves it alone. ``NOT_GIVEN`` is that "left out".
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


#: The value of every keyword that was left out.
NOT_GIVEN: Final = NotGiven()
