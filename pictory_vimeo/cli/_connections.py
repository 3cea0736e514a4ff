"""``pictory-vimeo connections ...``: list, get, create, update and delete, over the async client.

Each command is synchronous at its edges: whatever it asks the user (secrets, a delete
confirmation) it asks outside the event loop, where Ctrl-C interrupts a prompt at once,
and it runs the API calls with ``anyio.run``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any, Final

import anyio

from .._client import AsyncPictoryClient
from .._errors import NotFoundError, ValidationError
from .._models import Page, VimeoConnection
from .._optimistic import optimistic_update
from .._rules import FieldError, check_connection_id, check_fields
from ._output import (
    EXIT_API,
    EXIT_OK,
    TableWriter,
    UsageError,
    emit,
    write_details,
    write_json_line,
)
from ._secrets import Secrets, read_secrets, stdin_is_tty

__all__ = ["COMMANDS", "ClientFactory"]

ClientFactory = Callable[[], AsyncPictoryClient]


def _show(connection: VimeoConnection, args: argparse.Namespace) -> None:
    if getattr(args, "json", False):
        write_json_line(connection)
    else:
        write_details(connection)


def _note(text: str) -> None:
    emit(text, sys.stderr)


def _check_first(errors: list[FieldError]) -> None:
    """Raise the SDK's own error for bad fields, before secrets are asked for or sent."""
    if errors:
        raise ValidationError(errors)


def list_connections(args: argparse.Namespace, make_client: ClientFactory) -> int:
    """Print the first page (or, with ``--all``, every page) as each one arrives."""

    async def run() -> None:
        table = None if args.json else TableWriter()
        async with make_client() as client:
            pages = client.vimeo_connections.list().pages()
            # Each page is shown in a frame of its own, gone before the next is fetched:
            # an error raised then has no page (server text, which may echo the key) in
            # this frame's locals.
            while await _show_next(pages, table, every=args.all):
                pass
        if table is not None and table.rows == 0:
            _note("no connections in this account")

    anyio.run(run)
    return EXIT_OK


async def _show_next(
    pages: AsyncIterator[Page[VimeoConnection]], table: TableWriter | None, *, every: bool
) -> bool:
    """Show the next page; whether to go on to the one after it."""
    page = await anext(pages, None)
    if page is None:
        return False
    if table is None:
        for connection in page.items:
            write_json_line(connection)
    else:
        table.write(page.items)
    if page.next_page_key and not every:
        _note("more connections follow: pass --all to list every page")
        return False
    return True


def get_connection(args: argparse.Namespace, make_client: ClientFactory) -> int:
    """Print one connection."""

    async def run() -> VimeoConnection:
        async with make_client() as client:
            return await client.vimeo_connections.get(args.id)

    _show(anyio.run(run), args)
    return EXIT_OK


def create_connection(args: argparse.Namespace, make_client: ClientFactory) -> int:
    """Create a connection; its secrets come from stdin, the environment or a prompt."""
    fields: dict[str, Any] = {
        "name": args.name,
        "client_identifier": args.client_id,
        "description": args.description,
        "enabled": not args.disabled,
    }
    _check_first(check_fields(fields))
    secrets = read_secrets(from_stdin=args.secrets_stdin)

    async def run() -> VimeoConnection:
        async with make_client() as client:
            return await client.vimeo_connections.create(
                **fields, client_secret=secrets.client_secret, access_token=secrets.access_token
            )

    _show(anyio.run(run), args)
    return EXIT_OK


def _update_fields(args: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "name": args.name,
        "description": args.description,
        "client_identifier": args.client_id,
        "enabled": args.enabled,
    }
    given = {key: value for key, value in changes.items() if value is not None}
    if args.clear_description:
        given["description"] = None  # the SDK's (and the API's) way of removing it
    return given


def update_connection(args: argparse.Namespace, make_client: ClientFactory) -> int:
    """Change only the given fields; without ``--version``, of whatever version is current."""
    changes = _update_fields(args)
    if args.secrets_stdin and not args.rotate_secrets:
        raise UsageError("--secrets-stdin only applies together with --rotate-secrets")
    if not changes and not args.rotate_secrets:
        raise UsageError(
            "nothing to change: pass at least one of --name, --description, "
            "--clear-description, --client-id, --enable, --disable, --rotate-secrets"
        )
    pinned = {} if args.version is None else {"version": args.version}
    id_problem = check_connection_id(args.id)
    _check_first([*([id_problem] if id_problem else []), *check_fields({**pinned, **changes})])
    secrets = read_secrets(from_stdin=args.secrets_stdin) if args.rotate_secrets else None
    applied: list[bool] = []

    def mutate(current: VimeoConnection) -> dict[str, Any] | None:
        # It may run again on a fresher state: only what still differs is sent.
        wanted = {k: v for k, v in changes.items() if getattr(current, k) != v}
        wanted.update(_secret_fields(secrets))
        applied.append(bool(wanted))
        return wanted or None

    async def run() -> VimeoConnection:
        async with make_client() as client:
            conns = client.vimeo_connections
            if args.version is not None:
                fields = {**changes, **_secret_fields(secrets)}
                return await conns.update(args.id, version=args.version, **fields)
            return await optimistic_update(conns, args.id, mutate)

    result = anyio.run(run)
    if applied and not applied[-1]:
        _note(f"connection {args.id} already had these values; nothing was changed")
    if secrets is not None:
        # On stderr, so stdout stays the connection alone (and JSON under --json).
        _note(
            f"secrets rotated: connection {result.connection_id} now has the new client "
            f"secret and access token (version {result.version})"
        )
    _show(result, args)
    return EXIT_OK


def _secret_fields(secrets: Secrets | None) -> dict[str, str]:
    if secrets is None:
        return {}
    return {"client_secret": secrets.client_secret, "access_token": secrets.access_token}


def _confirm(connection: VimeoConnection) -> bool:
    emit(
        f"About to delete connection {connection.name!r} ({connection.connection_id}). "
        "This cannot be undone; 'connections update ID --disable' keeps it instead.",
        sys.stderr,
    )
    sys.stderr.write("Delete it? [y/N] ")
    sys.stderr.flush()
    try:
        answer = input()
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def delete_connection(args: argparse.Namespace, make_client: ClientFactory) -> int:
    """Show what is about to go, confirm on a terminal (unless ``--yes``), then delete it."""
    if not args.yes and not stdin_is_tty():
        raise UsageError(
            "refusing to delete without confirmation: stdin is not a terminal; "
            "pass --yes to delete without asking"
        )

    async def look() -> VimeoConnection | None:
        async with make_client() as client:
            try:
                return await client.vimeo_connections.get(args.id)
            except NotFoundError:
                return None

    async def remove() -> None:
        async with make_client() as client:
            await client.vimeo_connections.delete(args.id)

    connection = anyio.run(look)
    if connection is None:
        # Still send the delete: the API answers 204 for what is already gone, while a
        # wrong --base-url answers 404 here too, and must not pass for success.
        anyio.run(remove)
        _note(f"no connection {args.id!r} in this account: nothing to delete")
        return EXIT_OK
    if not args.yes and not _confirm(connection):
        _note("not deleted")
        return EXIT_API  # non-zero, so `delete ID && next-step` does not go on as if it had

    anyio.run(remove)
    # Under --json stdout carries only JSON, and a delete has no result to print.
    done = f"deleted connection {connection.name!r} ({connection.connection_id})"
    emit(done, sys.stderr if args.json else None)
    return EXIT_OK


COMMANDS: Final[dict[str, Callable[[argparse.Namespace, ClientFactory], int]]] = {
    "list": list_connections,
    "get": get_connection,
    "create": create_connection,
    "update": update_connection,
    "delete": delete_connection,
}
