"""What the tests of this folder share besides fixtures (those are in its conftest):
constants, helpers and types, imported from here rather than from a conftest."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.abc
import httpx

from pictory_vimeo import emulator
from tests import _support

PATH = _support.PATH


KEY = "pictai_emulator_test_key"


OTHER_KEY = "pictai_someone_else"


SECRET = "s3cr3t-client-secret-value"


TOKEN = "t0k3n-access-token-value"


MakeEmulator = Callable[..., emulator.Emulator]


Body = Callable[..., dict[str, Any]]


Create = Callable[..., Awaitable[dict[str, Any]]]


Connect = Callable[..., httpx.AsyncClient]


def client_for(emu: emulator.Emulator, key: str | None = KEY) -> httpx.AsyncClient:
    headers = {"Authorization": key} if key is not None else {}
    return httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator", headers=headers)


def port_of(base_url: str) -> int:
    """The port of a served emulator's base URL."""
    return int(base_url.rsplit(":", 1)[1])


async def read_until_closed(stream: anyio.abc.ByteStream, *, within: float = 10.0) -> bytes:
    """Everything the server sends until it closes (or resets) the connection."""
    received = b""
    with anyio.fail_after(within):
        while True:
            try:
                received += await stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError, ConnectionResetError):
                return received


async def exchange(base_url: str, data: bytes, *, within: float = 10.0) -> bytes:
    """Send ``data`` raw on a new loopback connection; what comes back until it closes."""
    async with await anyio.connect_tcp("127.0.0.1", port_of(base_url)) as stream:
        await stream.send(data)
        return await read_until_closed(stream, within=within)


def status_of(raw: bytes) -> int:
    """The status code of a raw HTTP/1.1 answer."""
    return int(raw.split(b" ", 2)[1])


def json_of(raw: bytes) -> Any:
    """The JSON body of a raw HTTP/1.1 answer."""
    return json.loads(raw.partition(b"\r\n\r\n")[2])
