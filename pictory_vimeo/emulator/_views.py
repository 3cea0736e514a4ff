"""What the page reads beyond the other control routes: every account's connections; and
the ``?limit=`` both it and the request log take.

A control route (the same token guards it). Keys and secrets never appear: an account is
shown as its key's ``fingerprint()``, a stored secret as its own fingerprint.
"""

from __future__ import annotations

import re
from typing import Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import _rules
from ._http import error_response
from ._inspect import account_fingerprint, shown_connection
from ._requests import MAX_LOGGED
from ._store import Record, Store

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "accounts_view", "limit_of"]

#: Connections per account the accounts route shows unless ``?limit=`` asks otherwise.
DEFAULT_LIMIT: Final = 100
#: The most ``?limit=`` may ask for: as many as the request log keeps.
MAX_LIMIT: Final = MAX_LOGGED
_DIGITS: Final = re.compile(r"[1-9][0-9]{0,4}")


def limit_of(request: Request, default: int = DEFAULT_LIMIT) -> int | Response:
    """``?limit=`` (1 to ``MAX_LIMIT``; else ``default``), or the 400 refusing it."""
    text = request.query_params.get("limit")
    if text is None:
        return default
    if _DIGITS.fullmatch(text) and int(text) <= MAX_LIMIT:
        return int(text)
    problem = _rules.FieldError("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    return error_response(400, "VALIDATION_ERROR", "Invalid query", [problem])


def accounts_view(store: Store, request: Request) -> Response:
    """``{"accounts": [{"account", "connectionCount", "connections"}]}``, for ``GET``.

    Every account that holds connections, in the order each stored its first; its
    ``connections`` are the first ``limit`` (oldest first) as a GET shows them, plus their
    secrets' fingerprints.
    """
    limit = limit_of(request)
    if isinstance(limit, Response):
        return limit
    held: dict[str, list[Record]] = {}
    for record in store.records(None):
        held.setdefault(account_fingerprint(record.account), []).append(record)
    accounts = [
        {
            "account": account,
            "connectionCount": len(records),
            "connections": [shown_connection(record) for record in records[:limit]],
        }
        for account, records in held.items()
    ]
    return JSONResponse({"accounts": accounts})
