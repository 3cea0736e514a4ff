"""Dropped answers of every kind: closed before the first byte, cut mid-way, or reset.

Over loopback the bytes are read raw, so each kind is seen as a client's socket sees it;
in process the emulator's transport raises the httpx error a socket would have given.
Whatever the kind, the write was applied and the request log says which fault it took.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Callable
from typing import Any, Final

import anyio
import anyio.abc
import httpx
import pytest

from pictory_vimeo import emulator
from tests.emulator._support import port_of

pytestmark = pytest.mark.anyio

PATH = "/pictoryapis/v1/vimeo-connections"
KEY = "pictai_drops"
Body = Callable[..., dict[str, Any]]
KINDS: Final = ["close", "cut", "reset"]
#: The httpx error a client meets for each kind, over a socket and in process alike.
LOST_AS: Final[dict[str, type[httpx.TransportError]]] = {
    "close": httpx.RemoteProtocolError,
    "cut": httpx.RemoteProtocolError,
    "reset": httpx.ReadError,
}


def request_bytes(method: str, target: str, body: dict[str, Any] | None = None) -> bytes:
    """One raw HTTP/1.1 request on a kept-alive connection, with the test's key."""
    content = b"" if body is None else json.dumps(body).encode()
    head = f"{method} {target} HTTP/1.1\r\nHost: emulator\r\nAuthorization: {KEY}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n"
    return (head + "\r\n").encode() + content


async def read_answer(stream: anyio.abc.ByteStream) -> bytes:
    """One whole answer whose body is framed by Content-Length."""
    received = b""
    with anyio.fail_after(10):
        while b"\r\n\r\n" not in received:
            received += await stream.receive()
        head, _, rest = received.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(rest) < length:
            rest += await stream.receive()
    return head + b"\r\n\r\n" + rest


async def until_closed(stream: anyio.abc.ByteStream) -> tuple[bytes, str]:
    """What arrives until the server ends the connection, and how: ``"eof"`` or ``"reset"``."""
    received = b""
    with anyio.fail_after(10):
        while True:
            try:
                received += await stream.receive()
            except anyio.EndOfStream:
                return received, "eof"
            except (anyio.BrokenResourceError, ConnectionResetError):
                return received, "reset"


@pytest.mark.parametrize("kind", KINDS)
async def test_each_kind_loses_the_answer_as_a_socket_sees_it(kind: str, body: Body) -> None:
    """On a kept-alive connection that already carried an answer: ``close`` sends nothing
    and ends with a FIN, ``cut`` the status line, headers and part of the promised body,
    ``reset`` nothing and a TCP reset. The create was applied each time.
    """
    async with emulator.running() as served:
        served.emulator.fail_next(method="POST", drop_after_commit=True, drop=kind)  # type: ignore[arg-type]
        async with await anyio.connect_tcp("127.0.0.1", port_of(served.base_url)) as stream:
            await stream.send(request_bytes("GET", PATH))
            assert (await read_answer(stream)).startswith(b"HTTP/1.1 200 ")
            await stream.send(request_bytes("POST", PATH, body()))
            received, ending = await until_closed(stream)
        assert [c["name"] for c in served.emulator.connections()] == ["Marketing"]
        if kind == "cut":
            head, _, part = received.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 201 ")
            promised = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            assert 0 < len(part) < promised
            assert ending == "eof"
        else:
            assert received == b""
            assert ending == ("reset" if kind == "reset" else "eof")
        [_, dropped] = served.emulator.requests
        assert (dropped.method, dropped.status, dropped.dropped) == ("POST", 201, True)
        assert (dropped.fault, dropped.drop) == ("scripted", kind)
        # The server goes on serving.
        async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": KEY}) as c:
            assert (await c.get(PATH)).json()["Items"][0]["name"] == "Marketing"


@pytest.mark.parametrize("kind", KINDS)
async def test_each_kind_is_the_matching_httpx_error_over_loopback_and_in_process(
    kind: str, body: Body
) -> None:
    """httpx over a socket and httpx on the in-process transport meet the same error."""
    async with emulator.running() as served:
        clients = [
            httpx.AsyncClient(base_url=served.base_url),
            httpx.AsyncClient(transport=served.emulator.transport(), base_url="http://emulator"),
        ]
        for number, http in enumerate(clients):
            async with http:
                served.emulator.fail_next(drop_after_commit=True, drop=kind)  # type: ignore[arg-type]
                with pytest.raises(LOST_AS[kind]):
                    await http.post(
                        PATH, json=body(name=f"N{number}"), headers={"Authorization": KEY}
                    )
        assert len(served.emulator.connections()) == 2
        assert [(r.drop, r.fault) for r in served.emulator.requests] == [(kind, "scripted")] * 2


async def test_the_control_route_takes_the_drop_kind(body: Body) -> None:
    """``{"dropAfterCommit": true, "drop": "reset"}`` queues a reset, listed with its kind."""
    async with (
        emulator.running() as served,
        httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": KEY}) as http,
    ):
        queued = await http.post(
            "/_emulator/fail-next", json={"dropAfterCommit": True, "drop": "reset"}
        )
        assert queued.json()["pending"][0]["drop"] == "reset"
        plain = await http.post("/_emulator/fail-next", json={"dropAfterCommit": True})
        assert plain.json()["pending"][1]["drop"] == "cut"
        with pytest.raises(httpx.ReadError):
            await http.post(PATH, json=body(name="A"))
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(PATH, json=body(name="B"))
        assert [r.drop for r in served.emulator.requests] == ["reset", "cut"]


@pytest.mark.parametrize("mode", [*KINDS, "mixed"])
async def test_random_drops_take_the_mode_set_over_http(mode: str, body: Body) -> None:
    """``PATCH /_emulator/faults {"dropAfterCommitMode": ...}``: every random drop is of that
    kind, or (mixed) each of the three turns up; each is logged as a random fault.
    """
    async with (
        emulator.running(seed=3) as served,
        httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": KEY}) as http,
    ):
        settings = {"dropAfterCommitRate": 1.0, "dropAfterCommitMode": mode}
        patched = await http.patch("/_emulator/faults", json=settings)
        assert patched.json()["dropAfterCommitMode"] == mode
        for number in range(12):
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                await http.post(PATH, json=body(name=f"N{number}"))
        log = served.emulator.requests
        assert len(served.emulator.connections()) == 12
        assert all((r.dropped, r.fault, r.status) == (True, "random", 201) for r in log)
        kinds = collections.Counter(r.drop for r in log)
        assert set(kinds) == (set(KINDS) if mode == "mixed" else {mode})
        assert served.emulator.stats()["dropped"] == 12


def test_the_mode_is_checked_and_defaults_to_mixed() -> None:
    """``Faults`` refuses an unknown mode, naming the setting; the default is ``mixed``."""
    assert emulator.Faults().drop_after_commit_mode == "mixed"
    with pytest.raises(ValueError, match=r"^drop_after_commit_mode must be one of"):
        emulator.Faults(drop_after_commit_mode="sometimes")  # type: ignore[arg-type]


async def test_the_request_log_over_http_names_every_fault(body: Body) -> None:
    """``GET /_emulator/requests``: each entry's fields, a scripted 503, a 429 of the rate
    limit, a drop; ``after`` keeps the entries past a ``seq``; never the API key.
    """
    async with (
        emulator.running() as served,
        httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": KEY}) as http,
    ):
        served.emulator.fail_next(503, method="GET")
        await http.get(PATH, params={"nextPageKey": ""})
        served.emulator.fail_next(method="POST", drop_after_commit=True, drop="close")
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(PATH, json=body())
        served.emulator.set_faults(rate_limit=0.001)
        await http.get(PATH)
        assert (await http.get(PATH)).status_code == 429
        entries = (await http.get("/_emulator/requests")).json()["requests"]
        assert KEY not in json.dumps(entries)
        first = entries[0]
        assert set(first) == {
            "seq",
            "time",
            "method",
            "path",
            "query",
            "status",
            "ms",
            "account",
            "fault",
            "dropped",
            "drop",
        }
        assert first["time"].endswith("Z")
        assert first["ms"] >= 0
        assert first["account"] == emulator.fingerprint(KEY)
        shown = [(e["method"], e["status"], e["fault"], e["dropped"], e["drop"]) for e in entries]
        assert shown == [
            ("GET", 503, "scripted", False, None),
            ("POST", 201, "scripted", True, "close"),
            ("GET", 200, None, False, None),
            ("GET", 429, "rate-limit", False, None),
        ]
        assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
        later = await http.get("/_emulator/requests", params={"after": entries[1]["seq"]})
        assert [e["seq"] for e in later.json()["requests"]] == [e["seq"] for e in entries[2:]]
        refused = await http.get("/_emulator/requests", params={"after": "-1"})
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["field"] == "after"
