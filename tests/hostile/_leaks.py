"""Checks shared by the secrets tests: where an error's text shows, and that no secret does."""

from __future__ import annotations

import json
import traceback
from collections.abc import Awaitable, Callable

import pictory_vimeo as pv

from ._support import ID, forms_of

__all__ = ["assert_no_secret", "secret_calls", "shown"]


def shown(error: BaseException) -> dict[str, str]:
    """Every text of ``error`` a user or a log may see, by where it comes from."""
    texts = {
        "str": str(error),
        "repr": repr(error),
        "traceback": "".join(traceback.format_exception(error)),
    }
    for attribute in ("message", "code", "request_id"):
        value = getattr(error, attribute, None)
        if value is not None:
            texts[attribute] = str(value)
    if hasattr(error, "body"):
        texts["body"] = json.dumps(error.body, ensure_ascii=False) + repr(error.body)
    return texts


def assert_no_secret(error: BaseException, *secrets: str) -> None:
    """No form of any of ``secrets`` shows anywhere in ``error``."""
    forms = set().union(*(forms_of(secret) for secret in secrets))
    for where, text in shown(error).items():
        for form in forms:
            assert form not in text, f"{form!r} shows in {where}: {text}"


def secret_calls(
    secret: str, token: str
) -> dict[str, Callable[[pv.AsyncVimeoConnections], Awaitable[object]]]:
    """The calls that send a client secret and an access token: a create and a rotation."""
    return {
        "create": lambda conns: conns.create(
            name="n", client_identifier="c", client_secret=secret, access_token=token
        ),
        "rotate": lambda conns: conns.update(
            ID, version=1, client_secret=secret, access_token=token
        ),
    }
