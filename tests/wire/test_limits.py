"""Bounded answers, on every pool: a body past ``max_response_bytes`` (raw or inflated) is an
``InvalidResponseError`` naming the limit, read in bounded memory, its connection discarded;
headers of up to 100 KiB in all work alike everywhere, and more fail alike everywhere.
"""

from __future__ import annotations

import functools
import gzip
import random
import tracemalloc
import zlib
from collections.abc import Awaitable, Iterator

import pytest

import pictory_vimeo as pv
from pictory_vimeo._wire import BodyReader

from ._server import Exchange, KeepAliveServer, Reply, Responder, answer
from ._support import A, MakeClient, Store, connection, ok

pytestmark = pytest.mark.anyio

MB = 1024 * 1024
#: The default limit (8 MiB), and what reading past it may hold at most, with a generous
#: margin for the pools' buffers: far below the 100 MB (or 1 GB) the server sends.
LIMIT = 8 * MB
MEMORY_MARGIN = 3 * LIMIT + 8 * MB


def _hundred_megabytes(chunked: bool) -> Iterator[bytes]:
    chunk = b"x" * (64 * 1024)
    count = 100 * MB // len(chunk)
    if not chunked:
        yield answer(200, length=count * len(chunk))
        for _ in range(count):
            yield chunk
        return
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    yield head
    for _ in range(count):
        yield b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    yield b"0\r\n\r\n"


@functools.cache
def gzip_bomb() -> bytes:
    """About 1 MB of gzip that inflates to 1 GB of JSON-ish zeros (made once)."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = b"0" * MB
    parts = [squeeze.compress(b'{"pad": "')]
    parts += [squeeze.compress(zeros) for _ in range(1024)]
    parts.append(squeeze.compress(b'"}') + squeeze.flush())
    return b"".join(parts)


def _serving_first(store: Store, first: Reply) -> Responder:
    """A responder that sends ``first`` to the first request, then answers from ``store``."""
    sent = False

    def respond(exchange: Exchange) -> Reply:
        nonlocal sent
        if not sent:
            sent = True
            return first
        return store(exchange)

    return respond


async def _peak_while(call: Awaitable[object]) -> tuple[BaseException | None, int]:
    """What ``call`` raised (or ``None``), and the most memory traced while it ran."""
    tracemalloc.start()
    try:
        try:
            await call
        except pv.PictoryError as error:
            outcome: BaseException | None = error
        else:
            outcome = None
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_hundred_megabytes_stop_at_the_limit_in_bounded_memory(
    server: KeepAliveServer, store: Store, make_client: MakeClient, chunked: bool
) -> None:
    """100 MB (declared, or streamed chunked): an InvalidResponseError naming the limit,
    sent once, memory within the limit plus a margin, and the connection not reused."""
    server.responder = _serving_first(store, _hundred_megabytes(chunked))
    conns = make_client(max_retries=2).vimeo_connections
    error, peak = await _peak_while(conns.get(A))
    assert isinstance(error, pv.InvalidResponseError), error
    assert f"larger than max_response_bytes ({LIMIT} bytes)" in str(error)
    assert peak < MEMORY_MARGIN, f"peak {peak / MB:.0f} MiB"
    assert len(server.exchanges) == 1  # an answer came: not retried
    await conns.get(A)
    assert server.exchanges[-1].connection == 2


async def test_a_gzip_bomb_stops_at_the_limit_while_inflating(
    server: KeepAliveServer, store: Store, make_client: MakeClient
) -> None:
    """1 MB of gzip inflating to 1 GB: stopped while inflating, in bounded memory."""
    bomb = gzip_bomb()
    assert len(bomb) < 2 * MB
    server.responder = _serving_first(store, answer(200, bomb, [("Content-Encoding", "gzip")]))
    conns = make_client(max_retries=2).vimeo_connections
    error, peak = await _peak_while(conns.get(A))
    assert isinstance(error, pv.InvalidResponseError), error
    assert f"larger than max_response_bytes ({LIMIT} bytes)" in str(error)
    assert peak < MEMORY_MARGIN, f"peak {peak / MB:.0f} MiB"
    assert len(server.exchanges) == 1
    await conns.get(A)
    assert server.exchanges[-1].connection == 2


async def test_a_body_just_under_a_set_limit_is_read_and_just_over_is_not(
    server: KeepAliveServer, make_client: MakeClient
) -> None:
    """``max_response_bytes`` counts the decoded body: gzip of exactly the limit works,
    one byte more does not (the limit applies through ``with_options`` too)."""
    body = ok(connection(A)).split(b"\r\n\r\n", 1)[1]
    packed = gzip.compress(body)
    server.responder = lambda exchange: answer(200, packed, [("Content-Encoding", "gzip")])
    client = make_client(max_retries=0, max_response_bytes=len(body))
    assert client.max_response_bytes == len(body)
    assert (await client.vimeo_connections.get(A)).connection_id == A
    tighter = client.with_options(max_response_bytes=len(body) - 1)
    with pytest.raises(pv.InvalidResponseError, match=f"max_response_bytes \\({len(body) - 1} "):
        await tighter.vimeo_connections.get(A)


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "8MB", None])
def test_max_response_bytes_must_be_a_positive_integer(value: object) -> None:
    """Anything but a positive integer is a ValidationError naming the field, before use."""
    with pytest.raises(pv.ValidationError) as caught:
        pv.AsyncPictoryClient("pictai_x", "http://127.0.0.1:9", max_response_bytes=value)  # type: ignore[arg-type]
    assert [e.field for e in caught.value.errors] == ["max_response_bytes"]
    client = pv.AsyncPictoryClient("pictai_x", "http://127.0.0.1:9")
    with pytest.raises(pv.ValidationError) as caught:
        client.with_options(max_response_bytes=value)  # type: ignore[arg-type]
    assert [e.field for e in caught.value.errors] == ["max_response_bytes"]


async def test_a_9000_byte_header_works(
    server: KeepAliveServer, store: Store, make_client: MakeClient
) -> None:
    """One 9,000-byte response header (aiohttp's own limit is 8,190) is read on every pool."""
    server.responder = store.with_header(b"X-Padding: " + b"p" * 9000)
    raw = await make_client(max_retries=0).vimeo_connections.with_raw_response.get(A)
    assert raw.parse().connection_id == A
    assert len(raw.headers["x-padding"]) == 9000


async def test_headers_past_100_kib_fail_alike_on_every_pool(
    server: KeepAliveServer, make_client: MakeClient
) -> None:
    """Headers of 150 KiB in all (each line small): the same error, in the same words."""
    many = [(f"X-Padding-{i}", "p" * 1000) for i in range(150)]
    server.responder = lambda exchange: answer(200, b"{}", many)
    conns = make_client(max_retries=0).vimeo_connections
    with pytest.raises(pv.APIConnectionError) as caught:
        await conns.get(A)
    assert "the answer's headers are larger than 100 KiB" in str(caught.value)


def test_an_encoded_body_costs_its_decoded_size_not_twice_it() -> None:
    """Raw bytes past the first 64 KiB are let go of while a body decodes, so a gzip answer
    near the limit holds about the limit; one that fails to decode later keeps its start.
    """
    text = random.Random(0).randbytes(1024 * 1024)  # 1 MiB that gzip cannot shrink
    packed = gzip.compress(text)
    reader = BodyReader("gzip", limit=4 * 1024 * 1024)
    for start in range(0, len(packed), 16384):
        reader.feed(packed[start : start + 16384])
    assert reader.body() == text

    # A stream that decodes for its first 1 MiB, then has a block of a type that does not
    # exist (BFINAL=1, BTYPE=11 after a byte-aligned flush): undecodable, past 64 KiB.
    packer = zlib.compressobj(wbits=31)
    good = packer.compress(text) + packer.flush(zlib.Z_FULL_FLUSH)
    broken = BodyReader("gzip", limit=4 * 1024 * 1024)
    for start in range(0, len(good), 16384):
        broken.feed(good[start : start + 16384])
    broken.feed(b"\x07" + b"\xff" * 1000)
    assert broken.undecodable == "gzip"
    assert broken.body() == good[: 64 * 1024]
