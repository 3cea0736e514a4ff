"""The command's arguments: the global options, the ``connections`` actions, serve and demo.

The global options (``--json``, ``--base-url``, ``--api-key``, ``--timeout``,
``--max-retries``, ``--allow-insecure-http``, ``--debug``) are accepted before the command,
after ``connections``, after its action, and after ``demo``. ``serve`` takes its own.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from types import ModuleType
from typing import Any, Final

from .._config import API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL
from .._secret import Secret
from .._version import __version__
from . import _secrets
from ._demo import add_demo_arguments
from ._help import DESCRIPTIONS, EXAMPLES, SUMMARIES, HelpFormatter
from ._usage import ArgvError, Parser, chosen_parsers, describe_unrecognized, option_strings

__all__ = ["PROG", "build_parser", "parse"]

PROG: Final = "pictory-vimeo"
#: Spellings a user might reach for to pass a secret; the error explains where secrets go.
_SECRET_WORDS: Final = ("secret", "token", "password")
_GLOBAL_TITLE: Final = "global options (also accepted before the command)"


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse like argparse, but raise :class:`ArgvError` instead of exiting.

    Unknown options are named, never their values (which may be secrets), with the closest
    known option; no command (or no action) at all is a problem that carries the help.
    """
    parsed, extras = parser.parse_known_args(argv)
    chain = chosen_parsers(parser, parsed)
    # Without the emulator its flags are unknown here; running serve then says what to do.
    if extras and not getattr(parsed, "serve_unavailable", False):
        message = describe_unrecognized(extras, option_strings(chain))
        if any(word in token.lower() for token in extras for word in _SECRET_WORDS):
            message += f"; secrets are never taken as arguments: {_secrets.HOW}"
        raise ArgvError(message, chain[-1].format_usage())
    if parsed.command is None or (parsed.command == "connections" and parsed.action is None):
        what = "a command" if parsed.command is None else "an action"
        choices = next(a.choices for a in chain[-1]._actions if a.dest in ("command", "action"))
        raise ArgvError(
            f"{what} is required: {', '.join(choices or ())}",
            chain[-1].format_usage(),
            chain[-1].format_help(),
        )
    return parsed


def _sub_parser(sub: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A subcommand's parser with its summary, description and examples."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=SUMMARIES[name],
        description=DESCRIPTIONS[name],
        epilog=EXAMPLES[name],
        formatter_class=HelpFormatter,
        **kwargs,
    )
    return parser


def _add_connections(sub: Any, common: argparse.ArgumentParser) -> None:
    conns = _sub_parser(sub, "connections", parents=[common])
    actions = conns.add_subparsers(dest="action", metavar="ACTION")

    def action(name: str, *, takes_id: bool = False) -> argparse.ArgumentParser:
        """The action's parser; it takes the global options too, so they may follow it."""
        parser = _sub_parser(actions, name, parents=[common])
        if takes_id:
            parser.add_argument("id", metavar="ID", help="the connection's id (case-sensitive)")
        return parser

    listing = action("list")
    listing.add_argument("--all", action="store_true", help="every page, printed as it arrives")
    action("get", takes_id=True)
    secrets_help = (
        "read the client secret and access token from stdin, one per line (otherwise from "
        f"${_secrets.CLIENT_SECRET_ENV} and ${_secrets.ACCESS_TOKEN_ENV}, or asked "
        "without echo on a terminal)"
    )
    create = action("create")
    create.add_argument("--name", required=True, help="unique in the account; 1-100 characters")
    create.add_argument("--client-id", required=True, help="the Vimeo app's client identifier")
    create.add_argument("--description", help="up to 250 characters")
    create.add_argument("--disabled", action="store_true", help="create it disabled")
    create.add_argument("--secrets-stdin", action="store_true", help=secrets_help)
    update = action("update", takes_id=True)
    update.add_argument("--name", help="a new name, unique in the account")
    describe = update.add_mutually_exclusive_group()
    describe.add_argument("--description", help="a new description (up to 250 characters)")
    describe.add_argument(
        "--clear-description",
        action="store_true",
        help="remove the description (--description '' stores an empty one)",
    )
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
    delete = action("delete", takes_id=True)
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def _add_global_options(
    parser: argparse._ActionsContainer,
    *,
    defaults: bool,
    base_url: bool = True,
    json_help: str = "print results as JSON (one object per line) and errors as one JSON object",
) -> None:
    """The options every connections command takes, before or after the subcommand.

    After it (``defaults=False``), an option left out must not reset what was given before
    it, so there its default is "absent" rather than ``None``.
    """
    unset: dict[str, Any] = {} if defaults else {"default": argparse.SUPPRESS}
    parser.add_argument("--json", action="store_true", help=json_help, **unset)
    if base_url:
        parser.add_argument(
            "--base-url",
            metavar="URL",
            help=f"the API's base URL (default: ${BASE_URL_ENV} or {DEFAULT_BASE_URL})",
            **unset,
        )
    parser.add_argument(
        "--api-key",
        metavar="KEY",
        # Held masked from the moment it is parsed: the Namespace sits in the frames of
        # whatever the command raises, and error trackers record those frames' locals.
        type=Secret,
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


def _global_options(**kwargs: Any) -> argparse.ArgumentParser:
    """A parent parser holding the global options, for the subcommands."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group(_GLOBAL_TITLE)
    _add_global_options(group, defaults=False, **kwargs)
    return parent


def build_parser(emulator: ModuleType | None = None) -> argparse.ArgumentParser:
    """The command's argument parser (``serve`` takes the emulator's flags when installed)."""
    parser = Parser(
        prog=PROG,
        description=DESCRIPTIONS[""],
        epilog=EXAMPLES[""],
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser.add_argument_group("global options"), defaults=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_connections(sub, _global_options())
    serve = _sub_parser(sub, "serve")
    if emulator is not None:
        emulator.add_serve_arguments(serve)
    else:
        serve.set_defaults(serve_unavailable=True)
    # The demo's own --base-url (its read-only run) stands for the global one there.
    demo_options = _global_options(
        base_url=False, json_help="print an error as one JSON object (the report stays text)"
    )
    demo = _sub_parser(sub, "demo", parents=[demo_options])
    add_demo_arguments(demo)
    return parser
