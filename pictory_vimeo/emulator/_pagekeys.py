"""Page keys: the last position a listing reached, signed and bound to one account.

A key is standard, padded Base64 (as the reference's example key is) of
``format byte | last seq (8 bytes) | HMAC-SHA256 tag``, the tag covering the position and
the account. Its ``+``, ``/`` and ``=`` are what a client must URL-encode in the query
string, as it must for the real API's keys. Clients cannot forge or edit a position,
a key from one account is useless to another, and keys from a SQLite store stay valid
across restarts because the secret lives in the file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Final

__all__ = ["InvalidPageKeyError", "PageKeys"]

_FORMAT: Final = b"\x01"
_TAG_BYTES: Final = 16
_RAW_BYTES: Final = len(_FORMAT) + 8 + _TAG_BYTES
#: Longer input cannot be a key; checking first keeps a huge query string cheap to reject.
_MAX_KEY_CHARS: Final = 64


class InvalidPageKeyError(ValueError):
    """The page key was not issued by this store to this account, or was altered."""


class PageKeys:
    """Issues and checks the page keys of one store."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _tag(self, account: str, position: bytes) -> bytes:
        message = position + b"|" + account.encode("utf-8")
        return hmac.new(self._secret, message, hashlib.sha256).digest()[:_TAG_BYTES]

    def encode(self, account: str, after: int) -> str:
        """The key of the page that follows the item at sequence number ``after``."""
        position = _FORMAT + after.to_bytes(8, "big")
        raw = position + self._tag(account, position)
        return base64.b64encode(raw).decode("ascii")

    def decode(self, account: str, key: str) -> int:
        """The position ``key`` stands for; ``InvalidPageKeyError`` unless it is genuine."""
        if len(key) > _MAX_KEY_CHARS or not key.isascii():
            raise InvalidPageKeyError("not a page key")
        try:
            raw = base64.b64decode(key, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidPageKeyError("not a page key") from None
        if len(raw) != _RAW_BYTES or not raw.startswith(_FORMAT):
            raise InvalidPageKeyError("not a page key")
        # Base64 has several spellings of the same bytes; only the one we issue is accepted.
        if base64.b64encode(raw).decode("ascii") != key:
            raise InvalidPageKeyError("not a page key")
        position, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
        if not hmac.compare_digest(tag, self._tag(account, position)):
            raise InvalidPageKeyError("page key was altered or belongs to another account")
        return int.from_bytes(position[1:], "big")
