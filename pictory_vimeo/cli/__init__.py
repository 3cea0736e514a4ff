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

from .._client import AsyncPictoryClient
from .._config import (
    API_KEY_ENV,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    request_options,
    resolve_base_url,
)
from .._names import LOGGER_NAME, emulator_extra_message
from .._secret import Secret
from ._connections import COMMANDS, ClientFactory
from ._demo import run_demo
from ._output import (
    EXIT_API,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    NEVER_SHOWN,
    ErrorContext,
    UsageError,
    describe_error,
    emit,
    error_json,
    never_shown,
)
from ._parser import PROG, build_parser, parse
from ._usage import ArgvError, wants_json

__all__ = ["PROG", "build_parser", "main"]

_DEBUG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _load_emulator() -> ModuleType | None:
    """The emulator package, or None when the ``emulator`` extra is not installed."""
    try:
        return importlib.import_module("pictory_vimeo.emulator")
    except ModuleNotFoundError as missing:
        # Only a missing third-party module means the extra is absent; ours would be a bug.
        if (missing.name or "").partition(".")[0] == "pictory_vimeo":
            raise
        return None


class _Redacting(logging.Formatter):
    """Formats a record, then blanks out the API key and any secret the command holds."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record, with every known sensitive value replaced."""
        return never_shown(super().format(record))


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
def _logging(debug: bool) -> Iterator[None]:
    """Send the SDK's warnings (and with ``--debug`` its DEBUG records) to stderr, redacted."""
    logger = logging.getLogger(LOGGER_NAME)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    handler.setFormatter(_Redacting(_DEBUG_FORMAT if debug else "warning: %(message)s"))
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


def _api_key(args: argparse.Namespace) -> Secret[str | None]:
    """``--api-key`` (parsed as a ``Secret``), else ``$PICTORY_API_KEY``; empty means none."""
    given: Secret[str] | None = getattr(args, "api_key", None)
    return Secret(
        (given.reveal() if given is not None else None) or os.environ.get(API_KEY_ENV) or None
    )


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.max_retries is not None:
        options["max_retries"] = args.max_retries
    if getattr(args, "allow_insecure_http", False):
        options["allow_insecure_http"] = True
    # Checked now, before anyone is asked for a secret, with the SDK's own rules.
    request_options(
        timeout=options.get("timeout", DEFAULT_TIMEOUT),
        max_retries=options.get("max_retries", DEFAULT_MAX_RETRIES),
    )
    return options


def _client_factory(args: argparse.Namespace, context: ErrorContext) -> ClientFactory:
    key = _api_key(args)
    if key.reveal() is None:
        raise UsageError(
            f"no API key: set ${API_KEY_ENV} (keys start with pictai_), or pass --api-key"
        )
    options = _client_options(args)
    context.base_url = resolve_base_url(
        args.base_url, allow_insecure_http=options.get("allow_insecure_http", False)
    )

    def make() -> AsyncPictoryClient:
        return AsyncPictoryClient(api_key=key.reveal(), base_url=args.base_url, **options)

    return make


def _dispatch(args: argparse.Namespace, emulator: ModuleType | None, context: ErrorContext) -> int:
    if args.command == "serve":
        if emulator is None:
            raise UsageError(emulator_extra_message("pictory-vimeo serve"))
        return int(emulator.run_serve(args))
    if args.command == "demo":
        base_url = args.demo_base_url or args.base_url
        if base_url is not None:
            context.base_url = resolve_base_url(
                base_url, allow_insecure_http=getattr(args, "allow_insecure_http", False)
            )
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


def _report(raised: Exception, args: argparse.Namespace, context: ErrorContext) -> int:
    """Print the error (and with ``--debug`` the traceback) on stderr; return the exit status.

    With ``--json`` the error is one JSON object, so scripts read failures as they read
    results; otherwise it is a line (or a few) saying what happened and what to do. Both
    go through ``emit``, which masks every secret the command holds.
    """
    if args.debug:
        emit("".join(traceback.format_exception(raised)).rstrip("\n"), sys.stderr)
    error = _unwrap(raised)
    lines, status = describe_error(error, context)
    if getattr(args, "json", False):
        emit(error_json(error, lines), sys.stderr)
        return status
    emit(f"error: {lines[0]}", sys.stderr)
    for line in lines[1:]:
        emit(line, sys.stderr)
    return status


def _usage_failed(problem: ArgvError, as_json: bool) -> int:
    """Print a usage problem as argparse would (or as JSON under ``--json``); exit status 2.

    With no command at all, the help goes to stdout first (so ``pictory-vimeo | less``
    shows it), but the status stays 2: nothing was done.
    """
    if as_json:
        emit(error_json(UsageError(problem.message), [problem.message]), sys.stderr)
        return EXIT_USAGE
    if problem.help is not None:
        emit(problem.help.rstrip("\n"))
    else:
        sys.stderr.write(never_shown(problem.usage))
    emit(f"{PROG}: error: {problem.message}", sys.stderr)
    return EXIT_USAGE


def _parsed(emulator: ModuleType | None, argv: Sequence[str] | None) -> argparse.Namespace | int:
    """The parsed arguments, or the exit status when they are wrong or asked for help."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        return parse(build_parser(emulator), arguments)
    except ArgvError as problem:
        return _usage_failed(problem, wants_json(arguments))
    except SystemExit as exit_:  # --help and --version
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    emulator = _load_emulator()
    args = _parsed(emulator, argv)
    # The raw words (an --api-key among them) leave this frame, whose locals an error
    # tracker records; the parsed key is a Secret.
    del argv
    if isinstance(args, int):
        return args
    context = ErrorContext(
        connection_id=getattr(args, "id", None),
        name=getattr(args, "name", None),
        version=getattr(args, "version", None),
    )
    NEVER_SHOWN.clear()
    NEVER_SHOWN.update(value for value in (_api_key(args).reveal(),) if value)
    try:
        with _logging(args.debug):
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
                return _report(group, args, context)
            except Exception as raised:
                return _report(raised, args, context)
    finally:
        NEVER_SHOWN.clear()


if __name__ == "__main__":
    sys.exit(main())
