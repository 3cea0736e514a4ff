"""``PictoryClient.vimeo_connections``: the async resource's calls, run through the portal.

Every method hands the async method of the same name to the client's portal and returns
its result, so validation, retries, deadlines and errors are the async client's own.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from .._sync_pagination import SyncPaginator

if TYPE_CHECKING:
    from .._models import Page, VimeoConnection
    from .._optimistic import Mutate
    from .._sync_pagination import Runner
    from .vimeo_connections import AsyncVimeoConnections

__all__ = ["SyncVimeoConnections"]


class SyncVimeoConnections:
    """The Vimeo connections of the client's account."""

    def __init__(self, run: Runner, conns: AsyncVimeoConnections) -> None:
        self._run = run
        self._async = conns

    def create(
        self,
        *,
        name: str,
        client_identifier: str,
        client_secret: str,
        access_token: str,
        description: str | None = None,
        enabled: bool = True,
    ) -> VimeoConnection:
        """Create a connection; its name must be unique in the account."""
        return self._run(
            partial(
                self._async.create,
                name=name,
                client_identifier=client_identifier,
                client_secret=client_secret,
                access_token=access_token,
                description=description,
                enabled=enabled,
            )
        )

    def get(self, connection_id: str) -> VimeoConnection:
        """The connection with this ID (``NotFoundError`` if the account has none)."""
        return self._run(partial(self._async.get, connection_id))

    def list_page(self, *, next_page_key: str | None = None) -> Page[VimeoConnection]:
        """One page of the account's connections; pass ``next_page_key`` for the next one."""
        return self._run(partial(self._async.list_page, next_page_key=next_page_key))

    def list(
        self, *, next_page_key: str | None = None, limit: int | None = None
    ) -> SyncPaginator[VimeoConnection]:
        """Every connection, page by page as iteration reaches it (at most ``limit`` items).

        ``limit`` caps the items iteration yields; the first page (``await`` /
        ``first_page()``) and ``pages()`` are always whole pages.
        """
        # The async list() validates its arguments and sends nothing, so it runs right here.
        return SyncPaginator(self._run, self._async.list(next_page_key=next_page_key, limit=limit))

    def update(
        self,
        connection_id: str,
        *,
        version: int,
        name: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        client_identifier: str | None = None,
        client_secret: str | None = None,
        access_token: str | None = None,
    ) -> VimeoConnection:
        """Change only the fields passed; ``version`` must be the connection's current one."""
        return self._run(
            partial(
                self._async.update,
                connection_id,
                version=version,
                name=name,
                description=description,
                enabled=enabled,
                client_identifier=client_identifier,
                client_secret=client_secret,
                access_token=access_token,
            )
        )

    def delete(self, connection_id: str) -> None:
        """Delete the connection. Deleting one that is already gone is not an error."""
        self._run(partial(self._async.delete, connection_id))

    def _optimistic_update(
        self, connection_id: str, mutate: Mutate, *, max_attempts: int
    ) -> VimeoConnection:
        """``optimistic_update`` run in the portal; an async ``mutate`` runs in its loop."""
        # Imported here: _optimistic imports the resources package, which imports this module.
        from .._optimistic import optimistic_update_async

        return self._run(
            partial(
                optimistic_update_async,
                self._async,
                connection_id,
                mutate,
                max_attempts=max_attempts,
            )
        )
