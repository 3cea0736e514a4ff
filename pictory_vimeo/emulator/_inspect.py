"""What a test may see of the stored state: every connection, with its secrets fingerprinted.

A test checks which secret got stored by comparing fingerprints, so the emulator never has
to hand a secret back, not even to the process that runs it.
"""

from __future__ import annotations

import hashlib
from typing import Final

from ._api import account_for_key, connection_object
from ._store import Record, Store

__all__ = ["account_fingerprint", "fingerprint", "shown_connection", "stored_connections"]

_FINGERPRINT_HEX: Final = 16


def fingerprint(secret: str) -> str:
    """``"sha256:"`` and the first 16 hex digits of the SHA-256 of ``secret`` (UTF-8)."""
    if not isinstance(secret, str):
        raise TypeError(f"secret must be a str (got {type(secret).__name__})")
    digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
    return "sha256:" + digest[:_FINGERPRINT_HEX]


def account_fingerprint(account: str) -> str:
    """An account's ``fingerprint()`` of its API key, from the account's stored hash.

    An account is the full SHA-256 of its key (hex), so its first digits are exactly what
    ``fingerprint(api_key)`` shows: a user matches the page's accounts to their own keys.
    """
    return "sha256:" + account[:_FINGERPRINT_HEX]


def stored_connections(store: Store, api_key: str | None) -> list[dict[str, object]]:
    """``api_key``'s connections (``None``: all) as a GET shows them, secrets fingerprinted."""
    if api_key is None:
        account = None
    elif not isinstance(api_key, str):
        raise TypeError(f"api_key must be a str or None (got {type(api_key).__name__})")
    else:
        account = account_for_key(api_key)
        if account is None:
            raise ValueError(
                "api_key must be an API key: 'pictai_' followed by at least one character"
            )
    return [shown_connection(record) for record in store.records(account)]


def shown_connection(record: Record) -> dict[str, object]:
    """A stored connection as a GET shows it, plus its secrets' fingerprints."""
    return {
        **connection_object(record),
        "clientSecret": fingerprint(record.client_secret),
        "accessToken": fingerprint(record.access_token),
    }
