"""What a test may see of the stored state: every connection, with its secrets fingerprinted.

A test checks which secret got stored by comparing fingerprints, so the emulator never has
to hand a secret back, not even to the process that runs it.
"""

from __future__ import annotations

import hashlib
from typing import Final

from ._api import account_for_key, connection_object
from ._store import Store

__all__ = ["fingerprint", "stored_connections"]

_FINGERPRINT_HEX: Final = 16


def fingerprint(secret: str) -> str:
    """``"sha256:"`` and the first 16 hex digits of the SHA-256 of ``secret`` (UTF-8)."""
    if not isinstance(secret, str):
        raise TypeError(f"secret must be a str (got {type(secret).__name__})")
    digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
    return "sha256:" + digest[:_FINGERPRINT_HEX]


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
    return [
        {
            **connection_object(record),
            "clientSecret": fingerprint(record.client_secret),
            "accessToken": fingerprint(record.access_token),
        }
        for record in store.records(account)
    ]
