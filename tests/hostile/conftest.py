"""Fixtures of the hostile-input suite: servers that answer badly, and secrets that are
awkward to recognise (a trailing newline, inner whitespace, quotes, ``<>&``, non-ASCII).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._servers import RawServer, http_response, serve


@pytest.fixture
def raw_server() -> Iterator[RawServer]:
    """A raw loopback server; set ``.responder`` to decide what it sends."""
    with serve(lambda request: http_response(500, b"no responder set")) as server:
        yield server
        server.check()
