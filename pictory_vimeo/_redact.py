"""Keeping secrets out of text: every form in which a server or a library may echo one.

A server that quotes a request back may do so raw, trimmed, with its whitespace folded,
JSON-escaped, HTML-escaped or URL-encoded; a library may quote any of those as a Python
``repr`` of the text or of its UTF-8 bytes (h11 and aiohttp do, for a header line they
refuse), or decode those bytes as Latin-1 (httpx does, for a header that is not UTF-8).
Each of these forms is masked. Scrubbing happens on the raw text, before anything folds
its whitespace, and again after, so a secret read from a file with a trailing newline, or
echoed with its whitespace folded differently, is still recognised. Text from a server is
also made printable before anyone shows it: a control character in an error message would
drive the terminal that prints it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from typing import Final
from urllib.parse import quote, quote_plus

__all__ = ["REDACTED", "Scrubber", "printable"]

#: What a secret is replaced with wherever text might have carried it (and in reprs).
REDACTED: Final = "**********"
#: Shorter values are not masked: replacing every "a" would garble a message and hide nothing.
_MIN_LENGTH: Final = 4
#: How deep ``Scrubber.data`` follows nested JSON; deeper parts are dropped, not returned raw.
_MAX_DEPTH: Final = 64
#: What must not reach a terminal or a log line from a server: C0 and C1 controls (an
#: escape sequence drives the terminal), lone surrogates (they cannot be printed or
#: encoded), and the bidirectional overrides that make text read other than it is.
_UNPRINTABLE: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char < " ":
        return char.encode("unicode_escape").decode("ascii")  # \n, \t, \x1b
    # ``\uXXXX``: the same character's escape in JSON, so a JSON line stays valid JSON.
    return f"\\u{ord(char):04x}"


def printable(text: str) -> str:
    """``text`` with control characters, lone surrogates and bidi controls escaped.

    C0 controls as Python writes them (``\\n``, ``\\x1b``); the rest as ``\\uXXXX``, which
    is also their escape inside a JSON string.
    """
    return _UNPRINTABLE.sub(_escape, text)


def _encodings(text: str) -> tuple[str, ...]:
    """``text`` as a server may write it: raw, JSON-, HTML- and URL-escaped, printable.

    URL-escaped from its bytes with ``surrogatepass``: ``quote`` of the text itself would
    raise on a lone surrogate (and its error would hold the secret).
    """
    utf8 = text.encode("utf-8", "surrogatepass")
    return (
        text,
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
        html.escape(text),
        html.escape(text, quote=False),
        quote(utf8, safe=""),
        quote_plus(utf8, safe=""),
        printable(text),
    )


def _quotings(text: str) -> set[str]:
    """``text`` as a library may quote it: as is, as a repr of it or of its UTF-8 bytes,
    or with those bytes read as Latin-1; and any of those quoted again as a repr (an error
    whose ``str()`` shows the message of the error it wraps as a repr, say).
    """
    utf8 = text.encode("utf-8", "surrogatepass")
    once = (text, repr(text)[1:-1], repr(utf8)[2:-1], utf8.decode("latin-1"))
    return {*once, *(repr(quoted)[1:-1] for quoted in once)}


def _forms(secret: str) -> set[str]:
    """The secret as a server or library might echo it; never raises.

    Every form is computed from text alone, so nothing here should fail; were one to, the
    secret is still masked as it is, and no exception (whose arguments would hold the
    secret) leaves the scrubber.
    """
    try:
        return _all_forms(secret)
    except Exception:
        return {secret} if len(secret) >= _MIN_LENGTH else set()


def _all_forms(secret: str) -> set[str]:
    plain = {secret, secret.strip(), " ".join(secret.split())}
    # A request body carries each secret JSON-escaped, and an echo of the body quotes it so.
    sent = plain | {
        json.dumps(text, ensure_ascii=ascii)[1:-1] for text in plain for ascii in (True, False)
    }
    forms = {
        quoted for base in sent for written in _encodings(base) for quoted in _quotings(written)
    }
    return {form for form in forms if len(form) >= _MIN_LENGTH}


#: Characters every form above leaves as they are.
_UNCHANGED_RUN: Final = re.compile(r"[A-Za-z0-9_.~-]+")


def _anchor(secret: str) -> str:
    """The longest run of the secret that every one of its forms contains unchanged."""
    return max(_UNCHANGED_RUN.findall(secret), key=len, default="")


class Scrubber:
    """Masks a fixed set of secrets in text and in parsed JSON.

    The forms of the secrets are worked out on first use: most calls never need them,
    because only an error is ever scrubbed. A secret's forms are looked for only where
    its anchor (a run every form shares) is in the text: one scan instead of dozens, for
    the secrets a text does not hold, which is nearly all of them.
    """

    __slots__ = ("_known", "_masks")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._known: tuple[str, ...] = tuple(
            dict.fromkeys(s for s in secrets if isinstance(s, str) and s)
        )
        self._masks: tuple[tuple[str, tuple[str, ...]], ...] | None = None

    @property
    def _forms(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(anchor, forms longest first) of each secret that has a form to mask."""
        if self._masks is None:
            masks = []
            for secret in self._known:
                forms = _forms(secret)
                if forms:
                    masks.append((_anchor(secret), tuple(sorted(forms, key=len, reverse=True))))
            # Secrets with longer forms first, so a secret containing another is masked whole.
            masks.sort(key=lambda mask: len(mask[1][0]), reverse=True)
            self._masks = tuple(masks)
        return self._masks

    def __bool__(self) -> bool:
        return bool(self._forms)

    def __repr__(self) -> str:
        return f"<Scrubber of {len(getattr(self, '_known', ()))} secrets>"

    def with_secrets(self, secrets: Iterable[str]) -> Scrubber:
        """A scrubber of these secrets as well as this one's."""
        extra = [s for s in secrets if isinstance(s, str) and s and s not in self._known]
        if not extra:
            return self
        return Scrubber((*self._known, *extra))

    def text(self, text: str) -> str:
        """``text`` with every form of every secret replaced by ``**********``."""
        for anchor, forms in self._forms:
            if anchor not in text:
                continue
            for form in forms:
                if form in text:
                    text = text.replace(form, REDACTED)
        return text

    def line(self, text: str, limit: int) -> str:
        """``text`` made safe to show as one line of at most ``limit`` characters.

        Scrubbed raw; then whitespace folded and unprintable characters escaped; then
        scrubbed again (the fold may have made a secret's folded form); only then cut, so
        no fold or cut splits a secret the text held whole.
        """
        text = printable(" ".join(self.text(text).split()))
        text = self.text(text)
        return text if len(text) <= limit else text[: limit - 3] + "..."

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
