"""Stored state for tests: ``Emulator.connections()`` and ``fingerprint``."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from pictory_vimeo import emulator

PATH = "/pictoryapis/v1/vimeo-connections"
Create = Callable[..., Awaitable[dict[str, Any]]]
ROTATED = "rotated-secret-for-inspection"


def test_fingerprint_is_a_short_sha256() -> None:
    """The prefix and the first 16 hex digits of SHA-256 of the UTF-8 text."""
    assert emulator.fingerprint("abc") == "sha256:ba7816bf8f01cfea"
    assert emulator.fingerprint("é") != emulator.fingerprint("e")
    with pytest.raises(TypeError, match="secret"):
        emulator.fingerprint(b"abc")  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_connections_show_what_a_get_shows_plus_fingerprints(
    emu: emulator.Emulator,
    emu_http: httpx.AsyncClient,
    create: Create,
    secrets: tuple[str, str],
) -> None:
    """Each stored connection is its GET body plus the two secrets' fingerprints."""
    created = await create()
    item = f"{PATH}/{created['connectionId']}"
    await emu_http.put(item, json={"version": 1, "accessToken": ROTATED, "enabled": False})
    got = (await emu_http.get(item)).json()
    (stored,) = emu.connections()
    assert stored == {
        **got,
        "clientSecret": emulator.fingerprint(secrets[0]),
        "accessToken": emulator.fingerprint(ROTATED),
    }
    shown = json.dumps(emu.connections())
    for secret in (*secrets, ROTATED):
        assert secret not in shown


@pytest.mark.anyio
async def test_connections_of_one_account_or_all_in_creation_order(
    emu: emulator.Emulator,
    connect: Callable[..., httpx.AsyncClient],
    create: Create,
    key: str,
    other_key: str,
) -> None:
    """No key: every account's, oldest first; a key: only its account's; reset: none."""
    async with connect(emu, other_key) as other:
        await create(name="A1")
        await create(other, name="B1")
        await create(name="A2")
        await create(other, name="B2")
    assert [c["name"] for c in emu.connections()] == ["A1", "B1", "A2", "B2"]
    assert [c["name"] for c in emu.connections(key)] == ["A1", "A2"]
    assert [c["name"] for c in emu.connections(api_key=other_key)] == ["B1", "B2"]
    assert emu.connections("pictai_nobody") == []
    emu.reset()
    assert emu.connections() == []


@pytest.mark.anyio
async def test_deleted_connections_are_gone_from_the_stored_state(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, create: Create
) -> None:
    """A deleted connection is not listed; the others keep their order."""
    first = await create(name="First")
    await create(name="Second")
    await emu_http.delete(f"{PATH}/{first['connectionId']}")
    assert [c["name"] for c in emu.connections()] == ["Second"]


def test_connections_refuse_what_is_not_an_api_key(emu: emulator.Emulator) -> None:
    """A key without the prefix is a ValueError, a non-string a TypeError; both name it."""
    for bad in ("", "pictai_", "sk_live_123"):
        with pytest.raises(ValueError, match="api_key"):
            emu.connections(bad)
    with pytest.raises(TypeError, match="api_key"):
        emu.connections(42)  # type: ignore[arg-type]
