"""Hostile requests over real loopback HTTP: a clear 4xx, nothing revealed, and service goes on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from pictory_vimeo import emulator
from tests.emulator.conftest import exchange, json_of, status_of

PATH = "/pictoryapis/v1/vimeo-connections"
KEY = "pictai_hostile_tests"


@pytest.fixture
async def served() -> AsyncIterator[emulator.RunningEmulator]:
    """An emulator served on loopback for one test."""
    async with emulator.running(request_read_timeout=5) as running:
        yield running


async def _still_serving(served: emulator.RunningEmulator) -> None:
    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": KEY}) as c:
        assert (await c.get(PATH)).status_code == 200


def _get(target: bytes, *headers: bytes) -> bytes:
    lines = [b"GET " + target + b" HTTP/1.1", b"Host: emulator", *headers, b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n"


@pytest.mark.anyio
@pytest.mark.parametrize("size", [20_000, 100_000, 1_000_000])
async def test_huge_headers_are_a_431(served: emulator.RunningEmulator, size: int) -> None:
    """However the bytes arrive, headers past 16 KiB are refused in the API's error shape."""
    answer = await exchange(served.base_url, _get(PATH.encode(), b"X-Big: " + b"a" * size))
    assert status_of(answer) == 431
    assert json_of(answer)["code"] == "HEADERS_TOO_LARGE"
    await _still_serving(served)


@pytest.mark.anyio
async def test_a_malformed_request_is_a_400_in_the_apis_shape(
    served: emulator.RunningEmulator,
) -> None:
    """What h11 cannot parse is refused with the API's JSON error body, not plain text."""
    answer = await exchange(served.base_url, b"NOT HTTP AT ALL\r\n\r\n")
    assert status_of(answer) == 400
    assert json_of(answer)["code"] == "BAD_REQUEST"
    await _still_serving(served)
