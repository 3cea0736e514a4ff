"""``pictory-vimeo serve``: its options, and serving until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import sqlite3
import sys
from collections.abc import Mapping
from typing import Final

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from .._loopback import is_loopback
from .._names import KEY_PREFIX
from ._access import CONTROL_TOKEN_ENV, control_token_for
from ._app import Emulator
from ._faults import DROP_MODES, FAULT_FIELDS, Faults
from ._page import PAGE_PATH
from ._protocol import DEFAULT_READ_TIMEOUT, check_read_timeout
from ._serve_log import RequestPrinter
from ._server import bind, server_config, url_of

__all__ = [
    "EXAMPLE_KEY",
    "add_serve_arguments",
    "control_token_of",
    "run_serve",
    "startup_lines",
]

#: Any key with the API's prefix is an account of the emulator; this one is easy to type.
EXAMPLE_KEY: Final = KEY_PREFIX + "local"


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``serve`` options: address, page size, database file, faults, seed, token,
    and ``--quiet``.
    """
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, loopback only)",
    )
    parser.add_argument(
        "--port", type=_port, default=8080, help="port (default: 8080; 0: any free port)"
    )
    parser.add_argument(
        "--page-size", type=int, default=25, help="connections per list page (default: 25)"
    )
    parser.add_argument(
        "--db", metavar="FILE", help="SQLite file to keep data in (default: memory)"
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        metavar="MS",
        help="delay added to every API request",
    )
    parser.add_argument(
        "--latency-jitter-ms",
        type=float,
        default=0.0,
        metavar="MS",
        help="random extra delay, up to MS, drawn for each API request",
    )
    parser.add_argument(
        "--error-rate", type=float, default=0.0, metavar="P", help="chance (0-1) of a 500/502/503"
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=None,
        metavar="N",
        help="requests/second per key, then 429 with Retry-After",
    )
    parser.add_argument(
        "--drop-after-commit-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="chance (0-1) that a committed write loses its answer",
    )
    parser.add_argument(
        "--drop-after-commit-mode",
        choices=DROP_MODES,
        default="mixed",
        help=(
            "how a dropped answer is lost: close (before its first byte), cut (after the"
            " status line and part of the body), reset (TCP RST), or mixed, one of the"
            " three drawn for each drop (default: mixed)"
        ),
    )
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="seed for faults")
    parser.add_argument(
        "--request-read-timeout",
        type=float,
        default=DEFAULT_READ_TIMEOUT,
        metavar="S",
        help=(
            "seconds a client has to send a whole request, else 408 and the connection"
            f" closes (default: {DEFAULT_READ_TIMEOUT:g})"
        ),
    )
    parser.add_argument(
        "--control-token",
        metavar="TOKEN",
        default=None,
        help=(
            "token the /_emulator/ routes ask for (default: $PICTORY_EMULATOR_CONTROL_TOKEN,"
            " else a random one printed at startup when --host is not loopback)"
        ),
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="print no line per request (by default: time, method, path, status, ms, fault)",
    )


def _as_flags(message: str) -> str:
    """An error about a setting, naming the command-line flag rather than the Python name."""
    for name in (*FAULT_FIELDS, "page_size", "request_read_timeout"):
        message = re.sub(rf"\b{name}\b", "--" + name.replace("_", "-"), message)
    return message


def _port(text: str) -> int:
    """A TCP port number for argparse: 0 (any free port) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0-65535 (got {port})")
    return port


def control_token_of(
    args: argparse.Namespace, environ: Mapping[str, str] = os.environ
) -> tuple[str | None, bool]:
    """The control token to serve with, and whether it was made up here (so must be shown)."""
    given = args.control_token
    if given is None:
        given = environ.get(CONTROL_TOKEN_ENV) or None
    token = control_token_for(args.host, given)
    return token, given is None and token is not None


def startup_lines(url: str, host: str, token: str | None, generated: bool) -> list[str]:
    """What ``serve`` prints once it listens: where, how to point a client here, the token,
    the page.
    """
    where = "" if is_loopback(host) else f" (bound to {host})"
    lines = [
        f"Pictory Vimeo emulator listening on {url}{where}",
        # What a user pastes into another terminal to point the SDK or the CLI here.
        f"export PICTORY_BASE_URL={shlex.quote(url)}",
        f"export PICTORY_API_KEY={EXAMPLE_KEY}",
    ]
    if generated and token is not None:
        # The variable serve itself reads, so a restart can keep the same token.
        lines.append(f"export {CONTROL_TOKEN_ENV}={token}")
    elif token is not None:
        lines.append("The /_emulator/ routes ask for the control token given at startup.")
    lines.append(f"Page: {url}{PAGE_PATH} (stored connections, live request log, faults)")
    lines.append("Press Ctrl-C to stop.")
    return lines


def run_serve(args: argparse.Namespace) -> int:
    """Serve until interrupted, after printing its URL and the lines that point clients here."""
    try:
        # Each fault flag's destination is the Faults field it sets.
        faults = Faults(**{field: getattr(args, field) for field in FAULT_FIELDS})
        check_read_timeout(args.request_read_timeout)
        try:
            token, generated = control_token_of(args)
        except ValueError as exc:
            message = str(exc).removeprefix("control_token ")
            print(f"error: the control token {message}", file=sys.stderr)
            return 2
        emulator = Emulator(
            page_size=args.page_size,
            db=args.db,
            faults=faults,
            seed=args.seed,
            control_token=token,
        )
        if not args.quiet:
            emulator.add_request_listener(RequestPrinter(sys.stdout))
    except (ValueError, TypeError) as exc:
        print(f"error: {_as_flags(str(exc))}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"error: cannot use --db {args.db}: {exc}", file=sys.stderr)
        return 2
    try:
        try:
            sock = bind(args.host, args.port)
        except OSError as exc:
            print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
            return 1
        try:
            config = server_config(emulator, args.host, LOGGING_CONFIG, args.request_read_timeout)
            server = uvicorn.Server(config)
            for line in startup_lines(url_of(args.host, sock), args.host, token, generated):
                print(line, flush=True)
            with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how it is meant to stop
                server.run(sockets=[sock])
        finally:
            sock.close()
    finally:
        emulator.close()
    return 0
