"""The ``pictory-vimeo`` command: manage Vimeo connections, serve the emulator, run the demo.

Exit status: 0 on success, 1 when the API (or the network) fails, 2 for usage and input
errors (checked before anything is sent), 130 on Ctrl-C. Errors are one line on stderr
saying what went wrong and what to do; ``--debug`` adds tracebacks and the SDK's logs.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any, Final

from . import _cli_secrets
from ._cli_connections import COMMANDS, ClientFactory
from ._cli_output import (
    EXIT_API,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    ErrorContext,
    UsageError,
    describe_error,
    emit,
)
from ._client import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    AsyncPictoryClient,
    _options,
    _resolve_base_url,
)
from ._demo import add_demo_arguments, run_demo
from ._errors import scrub
from ._version import __version__

__all__ = ["build_parser", "main"]

PROG: Final = "pictory-vimeo"
INSTALL_EMULATOR: Final = "pip install 'pictory-vimeo[emulator]'"
_LOGGER: Final = "pictory_vimeo"
_DEBUG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Spellings a user might reach for to pass a secret; the error explains where secrets go.
_SECRET_WORDS: Final = ("secret", "token", "password")


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse like argparse, naming unknown options but never their values (maybe secrets)."""
    parsed, extras = parser.parse_known_args(argv)
    # Without the emulator its flags are unknown here; running serve then says what to do.
    if extras and not getattr(parsed, "serve_unavailable", False):
        flags = sorted({e.split("=", 1)[0] for e in extras if e.startswith("-")})
        named = f": {', '.join(flags)}" if flags else ""
        hint = ""
        if any(word in flag.lower() for flag in flags for word in _SECRET_WORDS):
            hint = f"; secrets are never taken as arguments: {_cli_secrets.HOW}"
        parser.error(f"unrecognized arguments{named} (values not shown){hint}")
    return parsed


def _load_emulator() -> ModuleType | None:
    """The emulator package, or None when the ``emulator`` extra is not installed."""
    try:
        return importlib.import_module("pictory_vimeo.emulator")
    except ModuleNotFoundError as missing:
        # Only a missing third-party module means the extra is absent; ours would be a bug.
        if (missing.name or "").partition(".")[0] == "pictory_vimeo":
            raise
        return None


def _add_connections(sub: Any) -> None:
    conns = sub.add_parser("connections", help="list, get, create, update or delete connections")
    subparsers = conns.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = _global_options()

    class _Actions:
        """Every action takes the global options too, so they may follow the command."""

        @staticmethod
        def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
            parser: argparse.ArgumentParser = subparsers.add_parser(
                name, parents=[common], **kwargs
            )
            return parser

    actions = _Actions()
    listing = actions.add_parser("list", help="list connections (the first page, or --all)")
    listing.add_argument("--all", action="store_true", help="every page, printed as it arrives")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    get = actions.add_parser("get", help="show one connection")
    get.add_argument("id", metavar="ID", help="the connection's id (case-sensitive)")
    get.add_argument("--json", action="store_true", help="print it as JSON")
    secrets_help = (
        "read the client secret and access token from stdin, one per line (otherwise from "
        f"${_cli_secrets.CLIENT_SECRET_ENV} and ${_cli_secrets.ACCESS_TOKEN_ENV}, or asked "
        "without echo on a terminal)"
    )
    create = actions.add_parser(
        "create",
        help="create a connection",
        description="Create a connection. Secrets are never arguments: " + secrets_help + ".",
    )
    create.add_argument("--name", required=True, help="unique in the account; 1-100 characters")
    create.add_argument("--client-id", required=True, help="the Vimeo app's client identifier")
    create.add_argument("--description", help="up to 250 characters")
    create.add_argument("--disabled", action="store_true", help="create it disabled")
    create.add_argument("--secrets-stdin", action="store_true", help=secrets_help)
    create.add_argument("--json", action="store_true", help="print the result as JSON")
    update = actions.add_parser(
        "update",
        help="change some fields of a connection",
        description="Change only the given fields. Without --version the latest version is "
        "read and the change is retried if someone else writes in between.",
    )
    update.add_argument("id", metavar="ID", help="the connection's id (case-sensitive)")
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
    update.add_argument("--json", action="store_true", help="print the result as JSON")
    delete = actions.add_parser(
        "delete",
        help="delete a connection (asks first)",
        description="Delete a connection for good. It asks first on a terminal; consider "
        "'update ID --disable' if it may be needed again.",
    )
    delete.add_argument("id", metavar="ID", help="the connection's id (case-sensitive)")
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


class _Redacting(logging.Formatter):
    """Formats a record, then blanks out the API key and any secret the command holds."""

    def __init__(self, fmt: str, known: list[str]) -> None:
        super().__init__(fmt)
        self._known = known

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record, with every known sensitive value replaced."""
        return scrub(super().format(record), [*self._known, *_cli_secrets.REMEMBERED])


class _Once(logging.Filter):
    """Lets each distinct warning through once (a command may build more than one client)."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether this message is new."""
        if record.levelno >= logging.ERROR or record.levelno < logging.WARNING:
            return True
        message = record.getMessage()
        if message in self._seen:
            return False
        self._seen.add(message)
        return True


@contextlib.contextmanager
def _logging(debug: bool, sensitive: list[str]) -> Iterator[None]:
    """Send the SDK's warnings (and with ``--debug`` its DEBUG records) to stderr, redacted."""
    logger = logging.getLogger(_LOGGER)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    handler.setFormatter(_Redacting(_DEBUG_FORMAT if debug else "warning: %(message)s", sensitive))
    handler.addFilter(_Once())
    level = logger.level
    logger.addHandler(handler)
    if debug:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _api_key(args: argparse.Namespace) -> str | None:
    return args.api_key or os.environ.get(API_KEY_ENV) or None


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.max_retries is not None:
        options["max_retries"] = args.max_retries
    # Checked now, before anyone is asked for a secret, with the SDK's own rules.
    _options(
        options.get("timeout", DEFAULT_TIMEOUT), options.get("max_retries", DEFAULT_MAX_RETRIES)
    )
    return options


def _client_factory(args: argparse.Namespace, context: ErrorContext) -> ClientFactory:
    key = _api_key(args)
    if key is None:
        raise UsageError(
            f"no API key: set ${API_KEY_ENV} (keys start with pictai_), or pass --api-key"
        )
    options = _client_options(args)
    context.base_url = _resolve_base_url(args.base_url)

    def make() -> AsyncPictoryClient:
        return AsyncPictoryClient(api_key=key, base_url=args.base_url, **options)

    return make


def _dispatch(args: argparse.Namespace, emulator: ModuleType | None, context: ErrorContext) -> int:
    if args.command == "serve":
        if emulator is None:
            raise UsageError(f"the emulator needs the 'emulator' extra: {INSTALL_EMULATOR}")
        return int(emulator.run_serve(args))
    if args.command == "demo":
        base_url = args.demo_base_url or args.base_url
        if base_url is not None:
            context.base_url = _resolve_base_url(base_url)
        return run_demo(args, emulator, _api_key(args), _client_options(args))
    return COMMANDS[args.action](args, _client_factory(args, context))


def _unwrap(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


def _reader_went_away() -> int:
    """Stop quietly when the reader of stdout is gone (``... | head``)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        # Python flushes stdout at exit; pointing it at devnull keeps that flush quiet too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_API


def _report(raised: Exception, debug: bool, context: ErrorContext) -> int:
    """Print the error line(s) (and with ``--debug`` the traceback); return the exit status."""
    if debug:
        traceback.print_exception(raised, file=sys.stderr)
    lines, status = describe_error(_unwrap(raised), context)
    emit(f"error: {lines[0]}", sys.stderr)
    for line in lines[1:]:
        emit(line, sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    emulator = _load_emulator()
    try:
        args = _parse(build_parser(emulator), argv)
    except SystemExit as exit_:  # --help, --version and usage errors
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    context = ErrorContext(
        connection_id=getattr(args, "id", None),
        name=getattr(args, "name", None),
        version=getattr(args, "version", None),
    )
    sensitive = [value for value in (_api_key(args),) if value]
    _cli_secrets.REMEMBERED.clear()
    try:
        with _logging(args.debug, sensitive):
            try:
                return _dispatch(args, emulator, context)
            except KeyboardInterrupt:
                emit("interrupted", sys.stderr)
                return EXIT_INTERRUPTED
            except BrokenPipeError:
                return _reader_went_away()
            except BaseExceptionGroup as group:
                if not isinstance(group, ExceptionGroup):
                    if group.subgroup(KeyboardInterrupt) is None:
                        raise
                    emit("interrupted", sys.stderr)
                    return EXIT_INTERRUPTED
                return _report(group, args.debug, context)
            except Exception as raised:
                return _report(raised, args.debug, context)
    finally:
        _cli_secrets.REMEMBERED.clear()


if __name__ == "__main__":
    sys.exit(main())
