"""Where the command gets a connection's secrets: never from its arguments.

Arguments show in ``ps`` and in shell history, so the client secret and access token come
from ``--secrets-stdin`` (two lines), else the environment, else a prompt that does not echo.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Final, TextIO

import attrs

from .._rules import is_utf8_encodable
from .._secret import Secret
from ._output import NEVER_SHOWN, UsageError

__all__ = [
    "ACCESS_TOKEN_ENV",
    "CLIENT_SECRET_ENV",
    "HOW",
    "REMEMBERED",
    "Secrets",
    "read_secrets",
    "stdin_is_tty",
]

# The names of the variables, not secrets.
CLIENT_SECRET_ENV: Final = "PICTORY_VIMEO_CLIENT_SECRET"  # noqa: S105
ACCESS_TOKEN_ENV: Final = "PICTORY_VIMEO_ACCESS_TOKEN"  # noqa: S105
HOW: Final = (
    f"set ${CLIENT_SECRET_ENV} and ${ACCESS_TOKEN_ENV}, or pass --secrets-stdin with two "
    "lines on stdin (the secret, then the token), or run in a terminal to be asked"
)

#: Every secret read during this run of the command, so nothing it prints can show them.
REMEMBERED: Final[set[str]] = NEVER_SHOWN


@attrs.frozen
class Secrets:
    """A connection's client secret and access token; the repr never shows them."""

    client_secret: str = attrs.field(repr=False)
    access_token: str = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        REMEMBERED.update((self.client_secret, self.access_token))


def stdin_is_tty(stdin: TextIO | None = None) -> bool:
    """Whether stdin is an interactive terminal (False when it is closed or absent)."""
    stream = sys.stdin if stdin is None else stdin
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # a closed or detached stream
        return False


def _readline(stdin: TextIO) -> str | None:
    """One line of stdin, or ``None`` when it is not text in the stream's encoding."""
    try:
        return stdin.readline()
    except UnicodeDecodeError:  # its ``object`` holds the bytes read: not kept, not chained
        return None


def _text(value: Secret[str | None], where: str) -> Secret[str]:
    """``value`` stripped, refused with a usage error (naming ``where``) unless it is valid
    UTF-8.

    A byte that is not UTF-8 reaches Python as a lone surrogate (``surrogateescape``): such
    a secret could neither be sent as JSON nor masked in what the command prints. Taken and
    given as a ``Secret``: no frame of a usage error raised on the way holds one raw.
    """
    if not _is_text(value.reveal()):
        raise UsageError(f"the {where} is not valid UTF-8 text; secrets must be UTF-8")
    return Secret((value.reveal() or "").strip())


def _is_text(value: str | None) -> bool:
    # A frame of its own, gone before the caller raises: the value is its only local.
    return value is not None and is_utf8_encodable(value)


def _given(value: Secret[str]) -> bool:
    return bool(value.reveal())


def _from_stdin(stdin: TextIO) -> Secrets:
    secret = _text(Secret(_readline(stdin)), "client secret on stdin")
    token = _text(Secret(_readline(stdin)), "access token on stdin")
    if not _given(secret) or not _given(token):
        raise UsageError(
            "--secrets-stdin expects two non-empty lines on stdin: the client secret, "
            "then the access token"
        )
    return Secrets(secret.reveal(), token.reveal())


def _prompt(label: str) -> Secret[str]:
    try:
        value = Secret[str | None](getpass.getpass(f"{label}: "))
    except EOFError:  # Ctrl-D at the prompt: the user chose to give nothing
        print(file=sys.stderr)
        raise UsageError(f"no {label.lower()} entered") from None
    text = _text(value, label.lower())
    if not _given(text):
        raise UsageError(f"the {label.lower()} must not be empty")
    return text


def _from_environment(name: str, what: str) -> Secret[str] | None:
    """``$name`` (``None`` when unset or empty), refused unless valid UTF-8."""
    value = Secret(os.environ.get(name) or None)
    if value.reveal() is None:
        return None
    # Checked as it is, and kept as it is: a variable's value is not stripped.
    _text(value, f"{what} in ${name}")
    return Secret(value.reveal() or "")


def read_secrets(*, from_stdin: bool, stdin: TextIO | None = None) -> Secrets:
    """The secrets, from ``--secrets-stdin``, the environment, or a prompt, in that order.

    An explicit ``--secrets-stdin`` wins over the environment, as ``--api-key`` wins over
    ``$PICTORY_API_KEY``. A value missing from the environment is asked for on a terminal;
    with no terminal it is a usage error naming the three ways to give it. The values are
    held as ``Secret`` until they are handed over: the frames of an error raised here
    (recorded with their locals by error trackers) show none of them.
    """
    stream = sys.stdin if stdin is None else stdin
    if from_stdin:
        if stream is None:
            raise UsageError("--secrets-stdin was given but there is no stdin to read")
        return _from_stdin(stream)
    secret = _from_environment(CLIENT_SECRET_ENV, "client secret")
    token = _from_environment(ACCESS_TOKEN_ENV, "access token")
    if (secret is None or token is None) and not stdin_is_tty(stream):
        missing = " and ".join(
            f"${name}"
            for name, value in ((CLIENT_SECRET_ENV, secret), (ACCESS_TOKEN_ENV, token))
            if value is None
        )
        raise UsageError(
            f"need the Vimeo client secret and access token ({missing} not set, stdin not a "
            f"terminal); they are never taken as arguments: {HOW}"
        )
    if secret is None:
        secret = _prompt("Vimeo client secret")
    if token is None:
        token = _prompt("Vimeo access token")
    return Secrets(secret.reveal(), token.reveal())
