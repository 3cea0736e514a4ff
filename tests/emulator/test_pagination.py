"""Keyset pagination: order, last pages, churn during a walk, and page keys that are not ours."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pictory_vimeo import emulator
from pictory_vimeo.emulator._pagekeys import PageKeys

Create = Callable[..., Awaitable[dict[str, Any]]]
MakeEmulator = Callable[..., emulator.Emulator]
Connect = Callable[..., httpx.AsyncClient]


async def _page(http: httpx.AsyncClient, path: str, key: str | None = None) -> dict[str, Any]:
    response = await http.get(path, params={"nextPageKey": key} if key else None)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def _walk(http: httpx.AsyncClient, path: str) -> list[list[str]]:
    pages: list[list[str]] = []
    key = None
    while True:
        data = await _page(http, path, key)
        pages.append([item["name"] for item in data["Items"]])
        key = data.get("nextPageKey")
        if key is None:
            return pages


@pytest.mark.anyio
async def test_an_empty_account_lists_nothing(emu_http: httpx.AsyncClient, path: str) -> None:
    """No connections: an empty Items list and no nextPageKey."""
    assert await _page(emu_http, path) == {"Items": []}


@pytest.mark.anyio
@pytest.mark.parametrize(("count", "sizes"), [(1, [1]), (3, [3]), (4, [3, 1]), (6, [3, 3])])
async def test_pages_follow_creation_order_and_end_without_a_key(
    emu_http: httpx.AsyncClient, path: str, create: Create, count: int, sizes: list[int]
) -> None:
    """Pages of 3 in creation order; the last page (even a full one) carries no key."""
    names = [f"c{i}" for i in range(count)]
    for name in names:
        await create(name=name)
    pages = await _walk(emu_http, path)
    assert [len(page) for page in pages] == sizes
    assert [name for page in pages for name in page] == names


@pytest.mark.anyio
async def test_page_size_is_configurable(
    make_emulator: MakeEmulator, connect: Connect, path: str
) -> None:
    """Emulator(page_size=...) sets the page length; the default is 25."""
    assert make_emulator().page_size == 25
    emu = make_emulator(page_size=1)
    async with connect(emu) as http:
        for name in "ab":
            await http.post(
                path,
                json={
                    "name": name,
                    "enabled": True,
                    "clientIdentifier": "c",
                    "clientSecret": "s",
                    "accessToken": "t",
                },
            )
        assert await _walk(http, path) == [["a"], ["b"]]


@pytest.mark.parametrize("page_size", [0, -1, 2.5, True, "3"])
def test_page_size_must_be_a_positive_integer(page_size: Any) -> None:
    """A page size that is not an integer >= 1 is refused at construction."""
    with pytest.raises(ValueError, match="page_size"):
        emulator.Emulator(page_size=page_size)


@pytest.mark.anyio
async def test_creates_and_deletes_during_a_walk_never_skip_or_repeat(
    emu_http: httpx.AsyncClient, path: str, create: Create
) -> None:
    """Churn between pages: every connection that exists throughout is seen exactly once."""
    ids = {f"c{i}": (await create(name=f"c{i}"))["connectionId"] for i in range(9)}
    seen: list[str] = []
    data = await _page(emu_http, path)
    seen += [item["name"] for item in data["Items"]]  # c0 c1 c2
    # Delete what was just seen and what is next, create more: positions are not offsets.
    for name in ("c0", "c1", "c2", "c3"):
        await emu_http.delete(f"{path}/{ids[name]}")
    await create(name="new1")
    data = await _page(emu_http, path, data["nextPageKey"])
    seen += [item["name"] for item in data["Items"]]  # c4 c5 c6
    await emu_http.delete(f"{path}/{ids['c6']}")  # the very item the key points after
    await create(name="new2")
    await create(name="new3")
    key = data["nextPageKey"]
    while key:
        data = await _page(emu_http, path, key)
        seen += [item["name"] for item in data["Items"]]
        key = data.get("nextPageKey")
    throughout = {"c0", "c1", "c2", "c4", "c5", "c7", "c8"}
    assert throughout <= set(seen)
    assert len(seen) == len(set(seen))
    assert "c3" not in seen
    assert seen == sorted(seen, key=lambda n: (not n.startswith("c"), n))  # creation order


@pytest.mark.anyio
async def test_a_key_after_the_last_item_deleted_gives_an_empty_page(
    emu_http: httpx.AsyncClient, path: str, create: Create
) -> None:
    """If everything after the key is deleted, the next page is simply empty and final."""
    created = [(await create(name=f"c{i}"))["connectionId"] for i in range(4)]
    first = await _page(emu_http, path)
    await emu_http.delete(f"{path}/{created[3]}")
    assert await _page(emu_http, path, first["nextPageKey"]) == {"Items": []}


def _tampered(key: str) -> list[str]:
    raw = bytearray(base64.b64decode(key))
    flipped_position = bytearray(raw)
    flipped_position[8] ^= 1  # the lowest byte of the position: an earlier or later item
    flipped_tag = bytearray(raw)
    flipped_tag[-1] ^= 0x80
    encode = base64.b64encode
    spellings = [
        encode(bytes(flipped_position)).decode(),
        encode(bytes(flipped_tag)).decode(),
        key.rstrip("="),  # the same bytes, spelled without padding
        base64.urlsafe_b64encode(raw).decode(),  # ... or in the URL-safe alphabet
        key[:-3],
        key + "A",
        key[:-3] + ("B" if key[-3] != "B" else "C") + key[-2:],
    ]
    return [spelling for spelling in spellings if spelling != key]


GARBAGE = ["x", "eyJsYXN0RXZhbHVhdGVkS2V5Ijp7fX0=", "!!!!", "é", "A" * 5000, "%00", "a b"]


@pytest.mark.anyio
async def test_altered_or_foreign_page_keys_are_refused(
    emu_http: httpx.AsyncClient,
    other_emu_http: httpx.AsyncClient,
    path: str,
    create: Create,
) -> None:
    """Tampered, undecodable and other-account keys answer 400 INVALID_PAGE_KEY."""
    for i in range(4):
        await create(name=f"c{i}")
        await create(other_emu_http, name=f"c{i}")
    key = (await _page(emu_http, path))["nextPageKey"]
    for bad in [*_tampered(key), *GARBAGE]:
        response = await emu_http.get(path, params={"nextPageKey": bad})
        assert response.status_code == 400, bad
        assert response.json()["code"] == "INVALID_PAGE_KEY"
    foreign = await other_emu_http.get(path, params={"nextPageKey": key})
    assert foreign.status_code == 400
    assert foreign.json()["code"] == "INVALID_PAGE_KEY"
    exact = await emu_http.get(path, params={"nextPageKey": key})
    assert exact.status_code == 200


@pytest.mark.anyio
async def test_an_empty_key_means_the_first_page(
    emu_http: httpx.AsyncClient, path: str, create: Create
) -> None:
    """``?nextPageKey=`` is the first page, as if no key were sent."""
    await create(name="only")
    response = await emu_http.get(path, params={"nextPageKey": ""})
    assert [item["name"] for item in response.json()["Items"]] == ["only"]


@pytest.mark.anyio
async def test_keys_are_standard_base64_and_survive_the_query_string(
    emu_http: httpx.AsyncClient, path: str, create: Create
) -> None:
    """Keys are padded standard Base64, like the reference's; URL-encoded, they work as sent."""
    for i in range(40):
        await create(name=f"c{i}")
    keys = []
    key: str | None = None
    while True:
        page = await _page(emu_http, path, key)
        key = page.get("nextPageKey")
        if not key:
            break
        assert base64.b64encode(base64.b64decode(key, validate=True)).decode() == key
        keys.append(key)
    # Every key ends in '=', which a query string must escape: each came back intact.
    assert len(keys) == 13
    assert all(k.endswith("==") for k in keys)


def test_keys_with_plus_and_slash_round_trip() -> None:
    """Keys use all of Base64's alphabet, '+' and '/' included, and each decodes to itself."""
    keys = PageKeys(b"fixed secret for a repeatable test")
    issued = {after: keys.encode("pictai_account", after) for after in range(200)}
    assert {"+", "/"} <= set("".join(issued.values()))
    for after, key in issued.items():
        assert keys.decode("pictai_account", key) == after


@pytest.mark.anyio
async def test_page_keys_survive_a_restart_of_a_sqlite_emulator(
    tmp_path: Path, connect: Connect, path: str
) -> None:
    """A key from one process stays valid for the next one on the same file."""
    db = tmp_path / "keys.sqlite3"
    first = emulator.Emulator(page_size=2, db=db)
    try:
        async with connect(first) as http:
            for i in range(3):
                await http.post(
                    path,
                    json={
                        "name": f"c{i}",
                        "enabled": True,
                        "clientIdentifier": "c",
                        "clientSecret": "s",
                        "accessToken": "t",
                    },
                )
            key = (await _page(http, path))["nextPageKey"]
    finally:
        first.close()
    second = emulator.Emulator(page_size=2, db=db)
    try:
        async with connect(second) as http:
            rest = await _page(http, path, key)
    finally:
        second.close()
    assert [item["name"] for item in rest["Items"]] == ["c2"]
    assert "nextPageKey" not in rest
