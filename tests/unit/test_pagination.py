"""Listing: following nextPageKey, limits, resuming, stopping, loops and early exits."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import anyio
import httpx
import pytest
import respx

import pictory_vimeo as pv

ConnectionJson = Callable[..., dict[str, Any]]
LIST_PATH = "/pictoryapis/v1/vimeo-connections"
#: Keys that would be mangled if not encoded on the way back.
KEYS = ["eyJrIjoxfQ==", "a+b/c=", "zz/+=="]


def serve(
    router: respx.MockRouter,
    connection_json: ConnectionJson,
    pages: Sequence[tuple[Sequence[str], dict[str, Any]]],
) -> respx.Route:
    """Answer the list endpoint with ``pages``: (item ids, extra body fields) each.

    Page 0 answers the request without a key; page i answers the key ``KEYS[i - 1]``.
    """

    def answer(request: httpx.Request) -> httpx.Response:
        key = request.url.params.get("nextPageKey")
        index = 0 if key is None else KEYS.index(key) + 1
        ids, extra = pages[index]
        items = [connection_json(connectionId=i, name=f"n{i}") for i in ids]
        return httpx.Response(200, json={"Items": items, **extra})

    return router.get(LIST_PATH).mock(side_effect=answer)


THREE_PAGES: list[tuple[Sequence[str], dict[str, Any]]] = [
    (["a", "b"], {"nextPageKey": KEYS[0]}),
    (["c"], {"nextPageKey": KEYS[1]}),
    (["d", "e"], {}),
]


async def collect(listing: pv.AsyncPaginator[pv.VimeoConnection], into: list[str]) -> None:
    """Iterate ``listing``, appending each connection's ID to ``into`` as it arrives."""
    async for connection in listing:
        into.append(connection.connection_id)


def keys_sent(route: respx.Route) -> list[str | None]:
    """The nextPageKey of each request the route received, in order."""
    return [call.request.url.params.get("nextPageKey") for call in route.calls]


@pytest.mark.anyio
async def test_async_for_follows_every_page(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, connection_json: ConnectionJson
) -> None:
    """async for yields every item of three pages, passing each key back exactly."""
    route = serve(router, connection_json, THREE_PAGES)
    ids = [c.connection_id async for c in conns.list()]
    assert ids == ["a", "b", "c", "d", "e"]
    assert keys_sent(route) == [None, KEYS[0], KEYS[1]]


@pytest.mark.anyio
async def test_pages_walks_page_by_page(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, connection_json: ConnectionJson
) -> None:
    """.pages() yields Page objects with their items and keys."""
    serve(router, connection_json, THREE_PAGES)
    pages = [page async for page in conns.list().pages()]
    assert [[c.connection_id for c in p.items] for p in pages] == [["a", "b"], ["c"], ["d", "e"]]
    assert [p.next_page_key for p in pages] == [KEYS[0], KEYS[1], None]
    assert all(isinstance(p, pv.Page) for p in pages)


@pytest.mark.anyio
async def test_awaiting_the_paginator_gives_the_first_page(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, connection_json: ConnectionJson
) -> None:
    """await conns.list() is one request for one page."""
    route = serve(router, connection_json, THREE_PAGES)
    page = await conns.list()
    assert [c.connection_id for c in page.items] == ["a", "b"]
    assert page.next_page_key == KEYS[0]
    assert route.call_count == 1
    resumed = await conns.list(next_page_key=page.next_page_key)
    assert [c.connection_id for c in resumed.items] == ["c"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("limit", "ids", "requests"),
    [
        (0, [], 0),
        (1, ["a"], 1),
        (2, ["a", "b"], 1),
        (3, ["a", "b", "c"], 2),
        (9, ["a", "b", "c", "d", "e"], 3),
    ],
)
async def test_limit_stops_without_fetching_more(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    connection_json: ConnectionJson,
    limit: int,
    ids: list[str],
    requests: int,
) -> None:
    """limit= caps the items, and no page past the one holding the last item is fetched."""
    route = serve(router, connection_json, THREE_PAGES)
    assert [c.connection_id async for c in conns.list(limit=limit)] == ids
    assert route.call_count == requests


@pytest.mark.anyio
async def test_resume_from_a_key(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, connection_json: ConnectionJson
) -> None:
    """list(next_page_key=...) starts at that page, sending the key on the first request."""
    route = serve(router, connection_json, THREE_PAGES)
    ids = [c.connection_id async for c in conns.list(next_page_key=KEYS[0])]
    assert ids == ["c", "d", "e"]
    assert keys_sent(route) == [KEYS[0], KEYS[1]]


@pytest.mark.anyio
@pytest.mark.parametrize("end", [{}, {"nextPageKey": None}, {"nextPageKey": ""}])
async def test_iteration_stops_at_an_absent_null_or_empty_key(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    connection_json: ConnectionJson,
    end: dict[str, Any],
) -> None:
    """An absent, null or empty nextPageKey ends the listing; nothing more is fetched."""
    route = serve(router, connection_json, [(["a"], {"nextPageKey": KEYS[0]}), (["b"], end)])
    assert [c.connection_id async for c in conns.list()] == ["a", "b"]
    assert route.call_count == 2
    last = [p async for p in conns.list(next_page_key=KEYS[0]).pages()]
    assert [p.next_page_key for p in last] == [None]


@pytest.mark.anyio
async def test_an_empty_listing(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, connection_json: ConnectionJson
) -> None:
    """No connections: no items, one request."""
    route = serve(router, connection_json, [([], {})])
    assert [c async for c in conns.list()] == []
    assert route.call_count == 1


@pytest.mark.anyio
async def test_empty_pages_in_the_middle_are_skipped(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, connection_json: ConnectionJson
) -> None:
    """A page with no items but a key leads on to the next page."""
    pages = [([], {"nextPageKey": KEYS[0]}), ([], {"nextPageKey": KEYS[1]}), (["z"], {})]
    serve(router, connection_json, pages)
    assert [c.connection_id async for c in conns.list()] == ["z"]


@pytest.mark.anyio
@pytest.mark.parametrize("repeated", [0, 1])
async def test_a_repeated_key_raises_after_its_page(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    connection_json: ConnectionJson,
    repeated: int,
) -> None:
    """A key the server gave before would loop: PaginationError once its page is yielded."""
    pages = [
        (["a"], {"nextPageKey": KEYS[0]}),
        (["b"], {"nextPageKey": KEYS[1]}),
        (["c"], {"nextPageKey": KEYS[repeated]}),
    ]
    route = serve(router, connection_json, pages)
    seen: list[str] = []
    with pytest.raises(pv.PaginationError, match="repeated"):
        await collect(conns.list(), seen)
    assert seen == ["a", "b", "c"]
    assert route.call_count == 3


@pytest.mark.anyio
async def test_a_page_repeating_the_resume_key_raises(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, connection_json: ConnectionJson
) -> None:
    """Resuming from a key the server then gives back again is a loop too."""
    serve(router, connection_json, [([], {}), (["x"], {"nextPageKey": KEYS[0]})])
    pages = conns.list(next_page_key=KEYS[0]).pages()
    first = await pages.__anext__()
    assert [c.connection_id for c in first.items] == ["x"]
    with pytest.raises(pv.PaginationError):
        await pages.__anext__()


@pytest.mark.anyio
async def test_an_error_mid_listing_propagates(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, connection_json: ConnectionJson
) -> None:
    """A failing page request raises its typed error after the earlier items."""
    route = router.get(LIST_PATH)
    route.side_effect = [
        httpx.Response(200, json={"Items": [connection_json()], "nextPageKey": KEYS[0]}),
        httpx.Response(401, json={"message": "Invalid API key"}),
    ]
    seen: list[str] = []
    with pytest.raises(pv.AuthenticationError):
        await collect(conns.list(), seen)
    assert len(seen) == 1


@pytest.mark.anyio
async def test_breaking_out_early_leaves_nothing_behind(
    router: respx.MockRouter,
    api_key: str,
    base_url: str,
    connection_json: ConnectionJson,
) -> None:
    """break out of async for: no task left, every response closed, no warning, clean close."""
    route = serve(router, connection_json, THREE_PAGES)
    responses: list[httpx.Response] = []

    async def keep(response: httpx.Response) -> None:
        responses.append(response)

    tasks_before = {task.id for task in anyio.get_running_tasks()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        http = httpx.AsyncClient(event_hooks={"response": [keep]})
        sdk = pv.AsyncPictoryClient(api_key=api_key, base_url=base_url, http_client=http)
        async for connection in sdk.vimeo_connections.list():
            if connection.connection_id == "c":
                break
        async for page in sdk.vimeo_connections.list().pages():
            assert page.items
            break
        await sdk.aclose()
        assert not http.is_closed
        await http.aclose()
        gc.collect()
    assert [str(w.message) for w in caught] == []
    assert {task.id for task in anyio.get_running_tasks()} == tasks_before
    assert route.call_count == 3
    assert len(responses) == 3
    assert all(response.is_closed for response in responses)
