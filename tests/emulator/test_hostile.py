"""Hostile requests over real loopback HTTP: a clear 4xx, nothing revealed, and service goes on."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any, Final

import anyio
import anyio.abc
import attrs
import httpx
import pytest

from pictory_vimeo import emulator
from tests.emulator._support import exchange, json_of, port_of, read_until_closed, status_of

if sys.platform != "win32":
    import resource

PATH = "/pictoryapis/v1/vimeo-connections"
KEY = "pictai_hostile_attacker"
VICTIM_KEY = "pictai_hostile_victim"
VICTIM_SECRET = "victim-client-secret-0451"
VICTIM_TOKEN = "victim-access-token-0451"
JSON = {"Content-Type": "application/json"}


@attrs.frozen
class Victim:
    """Another account's stored data, none of which an attacker may ever see."""

    connection_id: str
    page_key: str

    def hidden(self) -> list[bytes]:
        """Every value that must never appear in an answer to the attacker."""
        values = [self.connection_id, "VictimOnly", VICTIM_SECRET, VICTIM_TOKEN, VICTIM_KEY]
        return [value.encode() for value in values]


@pytest.fixture
async def served() -> AsyncIterator[emulator.RunningEmulator]:
    """An emulator on loopback, with pages of one so that page keys come quickly."""
    async with emulator.running(page_size=1, request_read_timeout=5) as running:
        yield running


@pytest.fixture
async def http(served: emulator.RunningEmulator) -> AsyncIterator[httpx.AsyncClient]:
    """The attacker's own client, with a valid key of its own."""
    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": KEY}) as c:
        yield c


def _create_body(name: str, secret: str = "s", token: str = "t") -> dict[str, Any]:
    return {
        "name": name,
        "enabled": True,
        "clientIdentifier": "id",
        "clientSecret": secret,
        "accessToken": token,
    }


@pytest.fixture
async def victim(served: emulator.RunningEmulator) -> Victim:
    """Two connections of another account, and the page key of its listing."""
    headers = {"Authorization": VICTIM_KEY}
    async with httpx.AsyncClient(base_url=served.base_url, headers=headers) as c:
        first = await c.post(PATH, json=_create_body("VictimOnly", VICTIM_SECRET, VICTIM_TOKEN))
        await c.post(PATH, json=_create_body("VictimToo"))
        page = (await c.get(PATH)).json()
    return Victim(first.json()["connectionId"], page["nextPageKey"])


async def _still_serving(served: emulator.RunningEmulator, victim: Victim | None = None) -> None:
    """A normal request is answered normally, and the victim's data is intact."""
    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": KEY}) as c:
        assert (await c.get(PATH)).status_code == 200
    if victim is not None:
        stored = served.emulator.connections(VICTIM_KEY)
        assert [c["name"] for c in stored] == ["VictimOnly", "VictimToo"]
        assert stored[0]["clientSecret"] == emulator.fingerprint(VICTIM_SECRET)


def _reveals(answer: bytes | str, victim: Victim) -> list[bytes]:
    text = answer if isinstance(answer, bytes) else answer.encode()
    return [value for value in victim.hidden() if value in text]


def _request(method: bytes, target: bytes, *headers: bytes, body: bytes = b"") -> bytes:
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: emulator", *headers]
    if body:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _get(target: bytes, *headers: bytes) -> bytes:
    return _request(b"GET", target, b"Authorization: " + KEY.encode(), *headers)


@pytest.mark.anyio
async def test_huge_headers_are_a_431(served: emulator.RunningEmulator) -> None:
    """However the bytes arrive, headers past 16 KiB are refused in the API's error shape."""
    for size in (20_000, 100_000, 1_000_000):
        answer = await exchange(served.base_url, _get(PATH.encode(), b"X-Big: " + b"a" * size))
        assert status_of(answer) == 431, size
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


async def _chunks(count: int, size: int) -> AsyncIterator[bytes]:
    for _ in range(count):
        yield b" " * size


@pytest.mark.anyio
async def test_huge_bodies_are_refused_whether_declared_or_streamed(
    served: emulator.RunningEmulator, http: httpx.AsyncClient
) -> None:
    """10 MB declared up front or streamed in chunks: 413 PAYLOAD_TOO_LARGE, nothing stored."""
    declared = await http.post(PATH, content=b" " * 10_000_000, headers=JSON)
    streamed = await http.post(PATH, content=_chunks(10, 1_000_000), headers=JSON)
    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert answer.json()["code"] == "PAYLOAD_TOO_LARGE"
    absurd = _request(
        b"POST", PATH.encode(), b"Authorization: " + KEY.encode(), b"Content-Length: " + b"9" * 30
    )
    assert status_of(await exchange(served.base_url, absurd)) == 400
    assert served.emulator.connections() == []
    await _still_serving(served)


NESTED = [
    (b"[" * 100_000, 413),
    (b"[" * 60_000, 400),
    (b'{"a":' * 12_000, 400),
    (b'{"name": ' + b"[" * 30_000 + b"]" * 30_000 + b"}", 400),
]


@pytest.mark.anyio
async def test_deeply_nested_json_is_refused(
    served: emulator.RunningEmulator, http: httpx.AsyncClient
) -> None:
    """Nesting that would exhaust a recursive parser: a 4xx, never a crash."""
    for content, status in NESTED:
        answer = await http.post(PATH, content=content, headers=JSON)
        assert answer.status_code == status, content[:20]
        assert answer.json()["code"] in ("INVALID_JSON", "PAYLOAD_TOO_LARGE")
    await _still_serving(served)


NOT_JSON = [
    b"",
    b"{",
    b"{'name': 'x'}",
    b'{"name": "x",}',
    b"\xff\xfe{}",
    b'{"name": "caf\xe9"}',
    b'{"version": NaN}',
    b'{"version": Infinity}',
    b'{"version": 1' + b"0" * 5000 + b"}",
    b"[]",
    b'"just a string"',
]


@pytest.mark.anyio
async def test_invalid_json_and_invalid_utf8_are_a_400(
    served: emulator.RunningEmulator, http: httpx.AsyncClient
) -> None:
    """Malformed JSON, non-UTF-8 bytes, JSON extensions and non-objects: INVALID_JSON."""
    item = f"{PATH}/20251222155613307xv0nodhitf9cd0f"
    for content in NOT_JSON:
        for method, url in (("POST", PATH), ("PUT", item)):
            answer = await http.request(method, url, content=content, headers=JSON)
            assert (answer.status_code, answer.json()["code"]) == (400, "INVALID_JSON"), content
    await _still_serving(served)


SURROGATES = [
    b'{"name": "\\ud800", "enabled": true, "clientIdentifier": "c",'
    b' "clientSecret": "s", "accessToken": "t"}',
    b'{"name": "N", "enabled": true, "clientIdentifier": "c",'
    b' "clientSecret": "half \\udfff pair", "accessToken": "t"}',
    b'{"\\ud83d": 1, "name": "N"}',
]


@pytest.mark.anyio
async def test_lone_surrogates_in_json_escapes_are_a_400(
    served: emulator.RunningEmulator, http: httpx.AsyncClient
) -> None:
    """Text with no UTF-8 form is refused, naming the field (as the SDK does), never stored."""
    for content in SURROGATES:
        answer = await http.post(PATH, content=content, headers=JSON)
        assert answer.status_code == 400, content
        assert answer.json()["code"] in ("VALIDATION_ERROR", "INVALID_JSON"), content
    assert served.emulator.connections() == []
    await _still_serving(served)


@pytest.mark.anyio
async def test_duplicate_json_keys_are_a_400(
    served: emulator.RunningEmulator, http: httpx.AsyncClient
) -> None:
    """A repeated key is ambiguous: refused, naming the key, and nothing is stored."""
    body = json.dumps(_create_body("First"))[:-1] + ', "name": "Second"}'
    answer = await http.post(PATH, content=body.encode(), headers=JSON)
    assert (answer.status_code, answer.json()["code"]) == (400, "INVALID_JSON")
    assert '"name"' in answer.json()["message"]
    repeated_version = b'{"version": 1, "enabled": false, "version": 2}'
    item = f"{PATH}/20251222155613307xv0nodhitf9cd0f"
    assert (await http.put(item, content=repeated_version, headers=JSON)).status_code == 400
    assert served.emulator.connections() == []
    await _still_serving(served)


WRONG_TYPES = [
    None,
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonx",
    "application/json-patch+json",
    "text/json",
]


@pytest.mark.anyio
async def test_wrong_content_types_are_a_400(
    served: emulator.RunningEmulator, http: httpx.AsyncClient
) -> None:
    """A valid JSON body under any type but application/json is refused, and not stored."""
    content = json.dumps(_create_body("Typed")).encode()
    for content_type in WRONG_TYPES:
        headers = {} if content_type is None else {"Content-Type": content_type}
        answer = await http.post(PATH, content=content, headers=headers)
        assert answer.status_code == 400, content_type
        assert "Content-Type" in answer.json()["message"]
    assert served.emulator.connections() == []
    charset = {"Content-Type": "Application/JSON; charset=utf-8"}
    assert (await http.post(PATH, content=content, headers=charset)).status_code == 201


@pytest.mark.anyio
async def test_invalid_utf8_in_the_path_is_a_clear_4xx(
    served: emulator.RunningEmulator, http: httpx.AsyncClient
) -> None:
    """Raw non-ASCII bytes are not HTTP (400); escaped ones name no connection (404)."""
    raw = await exchange(served.base_url, _get(PATH.encode() + b"/\xff\xfe"))
    assert (status_of(raw), json_of(raw)["code"]) == (400, "BAD_REQUEST")
    for method in ("GET", "PUT", "DELETE"):
        answer = await http.request(method, f"{PATH}/%ff%fe", json={"version": 1})
        assert (answer.status_code, answer.json()["code"]) == (404, "NOT_FOUND")
    await _still_serving(served)


@pytest.mark.anyio
async def test_ten_thousand_character_ids_and_keys_are_a_clear_4xx(
    served: emulator.RunningEmulator, http: httpx.AsyncClient
) -> None:
    """Long ids are simply unknown (a delete is still 204); long page keys are invalid."""
    long_id = "a" * 10_000
    got = await http.get(f"{PATH}/{long_id}")
    assert (got.status_code, got.json()["code"]) == (404, "NOT_FOUND")
    assert long_id not in got.text
    assert (await http.put(f"{PATH}/{long_id}", json={"version": 1})).status_code == 404
    assert (await http.delete(f"{PATH}/{long_id}")).status_code == 204
    listed = await http.get(PATH, params={"nextPageKey": "A" * 10_000})
    assert (listed.status_code, listed.json()["code"]) == (400, "INVALID_PAGE_KEY")
    await _still_serving(served)


TRAVERSALS = [
    b"/..",
    b"/../../_emulator/reset",
    b"/..%2F..%2F_emulator%2Freset",
    b"/%2e%2e",
    b"/%2E%2E%2F%2E%2E%2F_emulator%2Fstats",
    b"/.",
    b"/%2e",
    b"/./",
    b"//",
]


@pytest.mark.anyio
async def test_traversal_ids_reach_nothing(
    served: emulator.RunningEmulator, http: httpx.AsyncClient, victim: Victim
) -> None:
    """Dot segments, escaped or not, never reach a control route or another connection."""
    mine = (await http.post(PATH, json=_create_body("Mine"))).json()["connectionId"]
    targets = [PATH.encode() + t for t in TRAVERSALS]
    targets += [
        PATH.encode() + b"/" + mine.encode() + b"/..",
        PATH.encode() + b"/../" + mine.encode(),
        PATH.encode() + b"/..%2F" + victim.connection_id.encode(),
    ]
    headers = (b"Authorization: " + KEY.encode(), b"Content-Type: application/json")
    for method, body, expected in (
        (b"GET", b"", {404}),
        (b"PUT", b'{"version": 1, "enabled": false}', {404}),
        (b"DELETE", b"", {204, 404}),
    ):
        for target in targets:
            answer = await exchange(served.base_url, _request(method, target, *headers, body=body))
            assert status_of(answer) in expected, (method, target)
            assert _reveals(answer, victim) == []
    assert [c["name"] for c in served.emulator.connections(KEY)] == ["Mine"]
    assert served.emulator.connections(KEY)[0]["enabled"] is True
    assert served.emulator.stats()["requests"] > len(targets)  # never reset
    await _still_serving(served, victim)


@pytest.mark.anyio
async def test_another_accounts_page_key_and_ids_reveal_nothing(
    served: emulator.RunningEmulator, http: httpx.AsyncClient, victim: Victim
) -> None:
    """A stolen page key is as invalid as a forged one; stolen ids are as absent as none."""
    stolen = await http.get(PATH, params={"nextPageKey": victim.page_key})
    forged_key = victim.page_key[:-4] + ("AAA=" if victim.page_key[-4:] != "AAA=" else "AAE=")
    forged = await http.get(PATH, params={"nextPageKey": forged_key})
    assert (stolen.status_code, stolen.json()["code"]) == (400, "INVALID_PAGE_KEY")
    assert stolen.json() == forged.json()
    item, absent = f"{PATH}/{victim.connection_id}", f"{PATH}/20251222155613307xv0nodhitf9cd0f"
    for method, body in (("GET", None), ("PUT", {"version": 1, "name": "Taken"})):
        theirs = await http.request(method, item, json=body)
        nobodys = await http.request(method, absent, json=body)
        assert (theirs.status_code, theirs.json()) == (nobodys.status_code, nobodys.json())
        assert _reveals(theirs.text, victim) == []
    assert (await http.delete(item)).status_code == 204
    await _still_serving(served, victim)


@pytest.mark.anyio
async def test_header_injection_goes_nowhere(
    served: emulator.RunningEmulator, http: httpx.AsyncClient, victim: Victim
) -> None:
    """CR/LF smuggled into ids, queries or headers never becomes a header of the answer."""
    injected = "%0D%0ASet-Cookie:%20pwned=1%0D%0AX-Injected:%201"
    for url in (f"{PATH}/{injected}", f"{PATH}?nextPageKey={injected}"):
        answer = await http.get(url)
        assert answer.status_code in (400, 404)
        assert "set-cookie" not in answer.headers
        assert "x-injected" not in answer.headers
    bare_cr = await exchange(served.base_url, _get(PATH.encode(), b"X-Trace: a\rSet-Cookie: x=1"))
    assert status_of(bare_cr) == 400
    assert b"set-cookie" not in bare_cr.lower()
    nul = await exchange(served.base_url, _get(PATH.encode(), b"X-Trace: a\x00b"))
    assert status_of(nul) == 400
    await _still_serving(served, victim)


@pytest.mark.anyio
async def test_a_body_framed_two_ways_is_refused_and_nothing_is_smuggled(
    served: emulator.RunningEmulator, victim: Victim
) -> None:
    """Content-Length with Transfer-Encoding: 400, connection closed, the tail never run."""
    smuggled = _request(b"POST", b"/_emulator/reset")
    sent = (
        _request(
            b"POST",
            PATH.encode(),
            b"Authorization: " + KEY.encode(),
            b"Content-Type: application/json",
            b"Content-Length: 5",
            b"Transfer-Encoding: chunked",
        ).replace(b"Connection: close\r\n", b"")
        + b"0\r\n\r\n"
        + smuggled
    )
    answer = await exchange(served.base_url, sent)
    assert (status_of(answer), json_of(answer)["code"]) == (400, "AMBIGUOUS_BODY")
    assert answer.count(b"HTTP/1.1 ") == 1
    await _still_serving(served, victim)


#: Open files enough for a thousand connections at both ends, with room to spare.
ROOM: Final = 4096
#: No connection of a burst answered or refused for this long, while some wait: a hang.
STALL: Final = 10.0


@pytest.fixture
def open_files() -> Iterator[int]:
    """Raise this process's open-file limit towards ``ROOM`` for one test; yield the limit."""
    if sys.platform == "win32":  # no descriptor limit there to speak of
        yield ROOM
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= ROOM:
        yield ROOM
        return
    raised = ROOM if hard == resource.RLIM_INFINITY else min(hard, ROOM)
    resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
    try:
        yield raised
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.anyio
async def test_a_thousand_concurrent_connections_are_served_or_refused_cleanly(
    served: emulator.RunningEmulator, open_files: int
) -> None:
    """Every connection gets a whole answer or a clean refusal; no hang; service goes on.

    A hang is a stall: no connection answered or refused for ``STALL`` seconds while some
    wait. How long the thousand take in all depends on the machine's load, not the server.
    """
    port = port_of(served.base_url)
    answers: list[bytes] = []
    refused: list[OSError] = []
    last_progress = anyio.current_time()

    async def one(index: int) -> None:
        nonlocal last_progress
        if index % 10:
            sent = _get(PATH.encode())
        else:
            body = json.dumps(_create_body(f"Burst{index}")).encode()
            headers = (b"Authorization: " + KEY.encode(), b"Content-Type: application/json")
            sent = _request(b"POST", PATH.encode(), *headers, body=body)
        try:
            stream = await anyio.connect_tcp("127.0.0.1", port)
        except OSError as exc:  # out of descriptors, say: refused before anything was sent
            refused.append(exc)
            last_progress = anyio.current_time()
            return
        async with stream:  # once connected, only a whole answer will do
            await stream.send(sent)
            answers.append(await read_until_closed(stream, within=math.inf))
            last_progress = anyio.current_time()

    async def watch(burst: anyio.abc.TaskGroup) -> None:
        while True:
            await anyio.sleep(STALL / 10)
            if anyio.current_time() - last_progress > STALL:
                burst.cancel_scope.cancel()
                pytest.fail(f"stalled: {len(answers)} answered, {len(refused)} refused")

    async with anyio.create_task_group() as outer:
        async with anyio.create_task_group() as burst:
            outer.start_soon(watch, burst)
            for index in range(1000):
                burst.start_soon(one, index)
        outer.cancel_scope.cancel()
    assert len(answers) + len(refused) == 1000
    if open_files >= ROOM:  # with descriptors to spare, nothing is refused at all
        assert refused == []
    statuses = [status_of(answer) for answer in answers]
    assert set(statuses) <= {200, 201}
    for answer in answers:  # whole answers: the body is as long as promised
        head, _, body = answer.partition(b"\r\n\r\n")
        assert f"content-length: {len(body)}".encode() in head.lower()
    assert len(served.emulator.connections(KEY)) == statuses.count(201)
    await _still_serving(served)
