"""``conns.with_raw_response``: the resource's request methods, each returning a response."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._raw_response import raw

if TYPE_CHECKING:
    from .vimeo_connections import AsyncVimeoConnections

__all__ = ["AsyncRawResponses"]


class AsyncRawResponses:
    """``conns.with_raw_response``: each request method, returning a ``RawResponse``."""

    def __init__(self, conns: AsyncVimeoConnections) -> None:
        self.create = raw(conns.create)
        self.get = raw(conns.get)
        self.list_page = raw(conns.list_page)
        self.update = raw(conns.update)
        self.delete = raw(conns.delete)
