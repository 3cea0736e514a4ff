"""Write-only secrets: never in a response (success or error) and never in a log record."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pictory_vimeo import emulator

PATH = "/pictoryapis/v1/vimeo-connections"
Body = Callable[..., dict[str, Any]]

ROTATED = "rotated-secret-value-0042"


def _bytes_under(directory: Path) -> bytes:
    return b"".join(path.read_bytes() for path in directory.iterdir())


@pytest.fixture
def hidden(key: str, secrets: tuple[str, str]) -> tuple[str, ...]:
    """Every value that must never be seen: the key, the secrets, a rotated secret."""
    return (key, *secrets, ROTATED)


@pytest.mark.anyio
async def test_secrets_never_leave_the_emulator(
    emu: emulator.Emulator,
    emu_http: httpx.AsyncClient,
    body: Body,
    hidden: tuple[str, ...],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every kind of answer, logged at DEBUG, is free of the secrets and the API key."""

    def _leaks(text: str) -> list[str]:
        return [value for value in hidden if value in text]

    secret = hidden[1]
    caplog.set_level(logging.DEBUG)
    answers: list[httpx.Response] = []
    created = await emu_http.post(PATH, json=body())
    answers.append(created)
    item = f"{PATH}/{created.json()['connectionId']}"
    answers += [
        await emu_http.get(item),
        await emu_http.get(PATH),
        await emu_http.put(
            item, json={"version": 1, "clientSecret": ROTATED, "accessToken": ROTATED}
        ),
        await emu_http.put(item, json={"version": 1, "clientSecret": ROTATED}),  # conflict
        await emu_http.post(PATH, json=body()),  # duplicate name
        await emu_http.post(PATH, json=body(name="x", clientSecret=secret * 30)),  # too long
        await emu_http.post(PATH, json=body(name="y", accessToken=1234, clientsecret=secret)),
        await emu_http.put(item, json={"clientSecret": secret}),  # version required
    ]
    emu.set_faults(error_rate=1.0)
    answers.append(await emu_http.post(PATH, json=body(name="z")))
    emu.set_faults(error_rate=0.0, drop_after_commit_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError) as dropped:
        await emu_http.post(PATH, json=body(name="w"))
    assert [a.status_code for a in answers][3:8] == [200, 409, 409, 400, 400]
    for answer in answers:
        assert _leaks(answer.text) == []
        assert _leaks(str(answer.headers)) == []
    assert _leaks(str(dropped.value)) == []
    assert caplog.records, "the emulator logs each API request at DEBUG"
    for record in caplog.records:
        assert _leaks(record.getMessage()) == []
        assert _leaks(repr(record.args)) == []
    assert _leaks(repr(emu)) == []


@pytest.mark.anyio
async def test_the_api_key_is_not_stored(
    tmp_path: Path, body: Body, key: str, secrets: tuple[str, str]
) -> None:
    """Accounts are kept as key hashes: the SQLite file never holds the key itself."""
    db = tmp_path / "keys.sqlite3"
    emu = emulator.Emulator(db=db)
    try:
        async with httpx.AsyncClient(
            transport=emu.transport(), base_url="http://e", headers={"Authorization": key}
        ) as http:
            assert (await http.post(PATH, json=body())).status_code == 201
    finally:
        emu.close()
    raw = _bytes_under(tmp_path)
    assert key.encode() not in raw
    assert secrets[0].encode() in raw  # secrets are stored, for a later feature to use
