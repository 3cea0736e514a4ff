"""A write cancelled while its body is being sent leaves nothing for the collector to warn about.

httpx's own request body (``httpx._content.ByteStream``) is an async generator. A pool that
is cancelled while it writes a chunk leaves that generator suspended, and under trio its
collection is a ``ResourceWarning`` ("Async generator ... was garbage collected before it
had been exhausted"; encode/httpx#3597, fix proposed in encode/httpx#3777). The SDK sends
its bodies through a plain iterator instead, so no write it makes can leave one behind.
"""

from __future__ import annotations

import gc
import warnings

import anyio
import httpx
import pytest

import pictory_vimeo as pv

pytestmark = pytest.mark.anyio


class _StalledWrite(httpx.AsyncBaseTransport):
    """A pool whose socket never takes the body: it stalls writing the first chunk."""

    def __init__(self) -> None:
        self.started = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Iterate the body as httpcore does, and wait forever inside the first write."""
        async for _chunk in request.stream:  # type: ignore[union-attr]
            self.started += 1
            await anyio.sleep_forever()
        raise AssertionError("the write never finishes")


async def test_a_write_cancelled_mid_body_leaves_no_unfinished_generator() -> None:
    """Creates and updates cancelled inside the body's write: no warning, under any loop."""
    transport = _StalledWrite()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with pv.AsyncPictoryClient(
            "pictai_body", "http://127.0.0.1:9", transport=transport
        ) as client:
            conns = client.vimeo_connections
            for index in range(20):
                with anyio.move_on_after(0.001):
                    await conns.create(
                        name=f"Stalled {index}",
                        client_identifier="c",
                        client_secret="s",
                        access_token="t",
                    )
                with anyio.move_on_after(0.001):
                    await conns.update("20251222155613307xv0nodhitf9cd0f", version=1, enabled=False)
        gc.collect()
    assert transport.started == 40
    assert [str(w.message) for w in caught] == []
