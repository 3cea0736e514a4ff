"""Keeping secrets out of text: every form in which a server or a library may echo one.

A server that quotes a request back may do so raw, trimmed, with its whitespace folded,
JSON-escaped or HTML-escaped; each of these forms is masked. Scrubbing happens on the raw
text, before anything folds its whitespace, so a secret read from a file with a trailing
newline is still recognised.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from typing import Final
from urllib.parse import quote

__all__ = ["REDACTED", "Scrubber"]

#: What a secret is replaced with wherever text might have carried it (and in reprs).
REDACTED: Final = "**********"
#: Shorter values are not masked: replacing every "a" would garble a message and hide nothing.
_MIN_LENGTH: Final = 4
#: How deep ``Scrubber.data`` follows nested JSON; deeper parts are dropped, not returned raw.
_MAX_DEPTH: Final = 64


def _forms(secret: str) -> set[str]:
    """The secret as a server or library might echo it."""
    bases = {secret, secret.strip(), " ".join(secret.split())}
    forms: set[str] = set()
    for base in bases:
        forms.update(
            (
                base,
                json.dumps(base)[1:-1],
                json.dumps(base, ensure_ascii=False)[1:-1],
                html.escape(base),
                html.escape(base, quote=False),
                quote(base, safe=""),
            )
        )
    return {form for form in forms if len(form) >= _MIN_LENGTH}


class Scrubber:
    """Masks a fixed set of secrets in text and in parsed JSON."""

    __slots__ = ("_forms",)

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if isinstance(secret, str) and secret:
                forms |= _forms(secret)
        # Longer forms first, so a secret containing another is masked whole.
        self._forms: tuple[str, ...] = tuple(sorted(forms, key=len, reverse=True))

    def __bool__(self) -> bool:
        return bool(self._forms)

    def __repr__(self) -> str:
        return f"<Scrubber of {len(self._forms)} forms>"

    def with_secrets(self, secrets: Iterable[str]) -> Scrubber:
        """A scrubber of these secrets as well as this one's."""
        extra = [s for s in secrets if isinstance(s, str) and s]
        if not extra:
            return self
        combined = Scrubber(extra)
        combined._forms = tuple(
            sorted(set(self._forms) | set(combined._forms), key=len, reverse=True)
        )
        return combined

    def text(self, text: str) -> str:
        """``text`` with every form of every secret replaced by ``**********``."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def data(self, value: object, _depth: int = 0) -> object:
        """A copy of parsed JSON with every string (keys too) scrubbed."""
        if not self._forms:
            return value
        if _depth > _MAX_DEPTH:
            return None
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(key)): self.data(item, _depth + 1) for key, item in value.items()}
        if isinstance(value, list):
            return [self.data(item, _depth + 1) for item in value]
        return value
