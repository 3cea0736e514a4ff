"""Who may use the control routes: anyone on loopback, only holders of a token elsewhere.

The control routes reset data and script failures, so an emulator reachable from other
machines guards them with a token: ``Authorization: Bearer <token>`` or
``X-Emulator-Token: <token>``. On loopback nothing is asked unless a token is set anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Final

from starlette.requests import Request

from .._loopback import is_loopback

__all__ = [
    "CONTROL_TOKEN_ENV",
    "check_control_token",
    "control_token_for",
    "presents_token",
]

#: The environment variable ``serve`` reads a control token from.
CONTROL_TOKEN_ENV: Final = "PICTORY_EMULATOR_CONTROL_TOKEN"  # noqa: S105 - a variable name
_TOKEN_BYTES: Final = 24
#: Visible ASCII only, so a token travels unchanged in a header and on a command line.
_TOKEN_TEXT: Final = re.compile(r"[!-~]+")
_BEARER: Final = re.compile(r"bearer +(\S+) *", re.IGNORECASE)


def check_control_token(token: str | None) -> str | None:
    """``token`` if it is usable as a control token (or ``None``); else TypeError/ValueError."""
    if token is None:
        return None
    if not isinstance(token, str):
        raise TypeError(f"control_token must be a str or None (got {type(token).__name__})")
    if not _TOKEN_TEXT.fullmatch(token):
        raise ValueError("control_token must be one or more visible ASCII characters, no spaces")
    return token


def control_token_for(host: str, given: str | None) -> str | None:
    """``given``; else a fresh random token when ``host`` is not loopback; else ``None``."""
    if given is not None:
        return check_control_token(given)
    return None if is_loopback(host) else secrets.token_urlsafe(_TOKEN_BYTES)


def _same(presented: str, token: str) -> bool:
    # Digests first, so the comparison takes as long whatever the lengths.
    ours = hashlib.sha256(token.encode("ascii")).digest()
    theirs = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).digest()
    return hmac.compare_digest(ours, theirs)


def presents_token(request: Request, token: str) -> bool:
    """Whether the request carries ``token`` in either header, compared in constant time."""
    presented = []
    bearer = _BEARER.fullmatch(request.headers.get("authorization", ""))
    if bearer is not None:
        presented.append(bearer.group(1))
    if "x-emulator-token" in request.headers:
        presented.append(request.headers["x-emulator-token"])
    return any([_same(candidate, token) for candidate in presented])  # noqa: C419 - check all
