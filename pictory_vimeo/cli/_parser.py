"""The command's arguments: the global options, the ``connections`` actions, serve and demo."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from types import ModuleType
from typing import Any, Final

from .._config import API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL
from .._version import __version__
from . import _secrets
from ._demo import add_demo_arguments

__all__ = ["PROG", "build_parser", "parse"]

PROG: Final = "pictory-vimeo"
#: Spellings a user might reach for to pass a secret; the error explains where secrets go.
_SECRET_WORDS: Final = ("secret", "token", "password")
_AS_JSON: Final = "print it as JSON"
_RESULT_AS_JSON: Final = "print the result as JSON"


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse like argparse, naming unknown options but never their values (maybe secrets)."""
    parsed, extras = parser.parse_known_args(argv)
    # Without the emulator its flags are unknown here; running serve then says what to do.
    if extras and not getattr(parsed, "serve_unavailable", False):
        flags = sorted({e.split("=", 1)[0] for e in extras if e.startswith("-")})
        named = f": {', '.join(flags)}" if flags else ""
        hint = ""
        if any(word in flag.lower() for flag in flags for word in _SECRET_WORDS):
            hint = f"; secrets are never taken as arguments: {_secrets.HOW}"
        parser.error(f"unrecognized arguments{named} (values not shown){hint}")
    return parsed


def _add_connections(sub: Any) -> None:
    conns = sub.add_parser("connections", help="list, get, create, update or delete connections")
    subparsers = conns.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = _global_options()

    class _Actions:
        """Every action takes the global options too, so they may follow the command."""

        @staticmethod
        def add_parser(
            name: str, *, takes_id: bool = False, json_help: str | None = None, **kwargs: Any
        ) -> argparse.ArgumentParser:
            """The action's parser, with the ID argument and ``--json`` if it takes them."""
            parser: argparse.ArgumentParser = subparsers.add_parser(
                name, parents=[common], **kwargs
            )
            if takes_id:
                parser.add_argument("id", metavar="ID", help="the connection's id (case-sensitive)")
            if json_help is not None:
                parser.add_argument("--json", action="store_true", help=json_help)
            return parser

    actions = _Actions()
    listing = actions.add_parser(
        "list",
        help="list connections (the first page, or --all)",
        json_help="one JSON object per line",
    )
    listing.add_argument("--all", action="store_true", help="every page, printed as it arrives")
    actions.add_parser("get", help="show one connection", takes_id=True, json_help=_AS_JSON)
    secrets_help = (
        "read the client secret and access token from stdin, one per line (otherwise from "
        f"${_secrets.CLIENT_SECRET_ENV} and ${_secrets.ACCESS_TOKEN_ENV}, or asked "
        "without echo on a terminal)"
    )
    create = actions.add_parser(
        "create",
        help="create a connection",
        json_help=_RESULT_AS_JSON,
        description="Create a connection. Secrets are never arguments: " + secrets_help + ".",
    )
    create.add_argument("--name", required=True, help="unique in the account; 1-100 characters")
    create.add_argument("--client-id", required=True, help="the Vimeo app's client identifier")
    create.add_argument("--description", help="up to 250 characters")
    create.add_argument("--disabled", action="store_true", help="create it disabled")
    create.add_argument("--secrets-stdin", action="store_true", help=secrets_help)
    update = actions.add_parser(
        "update",
        help="change some fields of a connection",
        takes_id=True,
        json_help=_RESULT_AS_JSON,
        description="Change only the given fields. Without --version the latest version is "
        "read and the change is retried if someone else writes in between.",
    )
    update.add_argument("--name", help="a new name, unique in the account")
    update.add_argument("--description", help="a new description")
    update.add_argument("--client-id", help="a new Vimeo client identifier")
    toggle = update.add_mutually_exclusive_group()
    toggle.add_argument(
        "--enable", dest="enabled", action="store_const", const=True, help="enable it"
    )
    toggle.add_argument(
        "--disable",
        dest="enabled",
        action="store_const",
        const=False,
        help="disable it (keeps it, unlike delete)",
    )
    update.add_argument(
        "--rotate-secrets", action="store_true", help="set a new client secret and access token"
    )
    update.add_argument("--secrets-stdin", action="store_true", help=secrets_help)
    update.add_argument(
        "--version",
        type=int,
        metavar="N",
        help="update only if the connection is still at version N (fails if it moved on)",
    )
    delete = actions.add_parser(
        "delete",
        help="delete a connection (asks first)",
        description="Delete a connection for good. It asks first on a terminal; consider "
        "'update ID --disable' if it may be needed again.",
        takes_id=True,
    )
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def _add_global_options(parser: argparse._ActionsContainer, *, defaults: bool) -> None:
    """The options every connections command takes, before or after the subcommand.

    After it (``defaults=False``), an option left out must not reset what was given before
    it, so there its default is "absent" rather than ``None``.
    """
    unset: dict[str, Any] = {} if defaults else {"default": argparse.SUPPRESS}
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help=f"the API's base URL (default: ${BASE_URL_ENV} or {DEFAULT_BASE_URL})",
        **unset,
    )
    parser.add_argument(
        "--api-key",
        metavar="KEY",
        help=f"the API key (default: ${API_KEY_ENV}; the environment is safer: arguments "
        "are visible to other users in ps and stay in shell history)",
        **unset,
    )
    parser.add_argument("--timeout", type=float, metavar="S", help="seconds per call (30)", **unset)
    parser.add_argument(
        "--max-retries",
        type=int,
        metavar="N",
        help="retries of a transient failure (2)",
        **unset,
    )
    parser.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow a plain http:// --base-url other than loopback (sends the key unencrypted)",
        **unset,
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="log every attempt to stderr; show tracebacks",
        **unset,
    )


def _global_options() -> argparse.ArgumentParser:
    """A parent parser holding the global options, for the connections subcommands."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("global options (also accepted before the command)")
    _add_global_options(group, defaults=False)
    return parent


def build_parser(emulator: ModuleType | None = None) -> argparse.ArgumentParser:
    """The command's argument parser (``serve`` takes the emulator's flags when installed)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Manage Pictory Vimeo connections, run the local emulator, or the demo.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser, defaults=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_connections(sub)
    serve = sub.add_parser("serve", help="run the local emulator of the API")
    if emulator is not None:
        emulator.add_serve_arguments(serve)
    else:
        serve.set_defaults(serve_unavailable=True)
    demo = sub.add_parser("demo", help="show the SDK at work against a local emulator")
    add_demo_arguments(demo)
    return parser
