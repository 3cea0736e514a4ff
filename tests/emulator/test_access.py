"""The control token: when it is asked for, how it is checked, and how serve hands it out."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from typing import Any

import httpx
import pytest

from pictory_vimeo import emulator
from pictory_vimeo._loopback import is_loopback
from pictory_vimeo.emulator._access import control_token_for
from pictory_vimeo.emulator._serve import control_token_of, startup_lines

PATH = "/pictoryapis/v1/vimeo-connections"
TOKEN = "c0ntrol-t0ken_for.tests"
ENV = "PICTORY_EMULATOR_CONTROL_TOKEN"
#: Only ever parsed or decided on here: no test binds off loopback.
EVERYWHERE = "0.0.0.0"  # noqa: S104
GUARDED = [
    ("GET", "/_emulator/faults", None),
    ("PATCH", "/_emulator/faults", {"errorRate": 1}),
    ("GET", "/_emulator/fail-next", None),
    ("POST", "/_emulator/fail-next", {}),
    ("DELETE", "/_emulator/fail-next", None),
    ("GET", "/_emulator/stats", None),
    ("POST", "/_emulator/reset", None),
    ("GET", "/_emulator/accounts", None),
]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LocalHost", True),
        (EVERYWHERE, False),
        ("::", False),
        ("", False),
        ("10.1.2.3", False),
        ("128.0.0.1", False),
        ("::2", False),
        ("example.com", False),
    ],
)
def test_a_token_is_made_up_exactly_off_loopback(host: str, loopback: bool) -> None:
    """Loopback (127.0.0.0/8, ::1, localhost) needs none; any other address gets a fresh one."""
    assert is_loopback(host) is loopback
    made = control_token_for(host, None)
    if loopback:
        assert made is None
    else:
        assert made is not None
        assert len(made) >= 32
        assert made != control_token_for(host, None)
    assert control_token_for(host, TOKEN) == TOKEN


@pytest.mark.parametrize("bad", ["", "two words", "tökén", "tab\there"])
def test_unusable_tokens_are_refused(bad: str) -> None:
    """A token must be visible ASCII with no spaces, so it survives a header unchanged."""
    with pytest.raises(ValueError, match=r"^control_token "):
        emulator.Emulator(control_token=bad)
    with pytest.raises(ValueError, match=r"^control_token "):
        control_token_for(EVERYWHERE, bad)


def test_a_token_must_be_text() -> None:
    """A non-string token is a TypeError naming the argument."""
    with pytest.raises(TypeError, match=r"^control_token "):
        emulator.Emulator(control_token=123)  # type: ignore[arg-type]


def _guarded_client(emu: emulator.Emulator, **headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator", headers=headers)


async def _call(http: httpx.AsyncClient, method: str, url: str, body: Any) -> httpx.Response:
    return await http.request(method, url, json=body)


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "url", "body"), GUARDED)
async def test_every_control_route_but_health_asks_for_the_token(
    method: str, url: str, body: Any
) -> None:
    """Without the token, or with a wrong one: 401 in the API's shape, and nothing changes."""
    emu = emulator.Emulator(control_token=TOKEN)
    try:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"X-Emulator-Token": TOKEN[:-1]}):
            async with _guarded_client(emu, **headers) as http:
                refused = await _call(http, method, url, body)
            assert refused.status_code == 401
            assert refused.json()["code"] == "UNAUTHORIZED"
            assert "X-Emulator-Token" in refused.json()["message"]
            assert refused.headers["www-authenticate"].startswith("Bearer")
        assert emu.faults == emulator.Faults()
        assert emu.requests == []
    finally:
        emu.close()


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "url", "body"), GUARDED)
@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {TOKEN}"},
        {"Authorization": f"bearer  {TOKEN}"},
        {"X-Emulator-Token": TOKEN},
        {"Authorization": "pictai_api_key", "X-Emulator-Token": TOKEN},
    ],
)
async def test_either_header_carries_the_token(
    method: str, url: str, body: Any, headers: dict[str, str]
) -> None:
    """The Bearer scheme (any case) or X-Emulator-Token opens every guarded route."""
    emu = emulator.Emulator(control_token=TOKEN)
    try:
        async with _guarded_client(emu, **headers) as http:
            assert (await _call(http, method, url, body)).status_code < 300
    finally:
        emu.close()


@pytest.mark.anyio
async def test_health_the_document_and_the_api_need_no_control_token() -> None:
    """The token guards control, not the API (which keeps its key) nor the open routes."""
    emu = emulator.Emulator(control_token=TOKEN)
    try:
        async with _guarded_client(emu) as http:
            assert (await http.get("/_emulator/health")).status_code == 200
            assert (await http.get("/openapi.json")).status_code == 200
            assert (await http.get(PATH)).status_code == 401  # the API key, not the token
            listed = await http.get(PATH, headers={"Authorization": "pictai_key"})
            assert listed.status_code == 200
        async with _guarded_client(emu, Authorization=f"Bearer {TOKEN}") as http:
            assert (await http.get(PATH)).status_code == 401  # nor is the token an API key
    finally:
        emu.close()


@pytest.mark.anyio
async def test_running_carries_a_given_token_and_none_by_default_on_loopback() -> None:
    """On loopback only a token passed in is asked for; the result carries it, unprinted."""
    async with emulator.running() as open_server:
        assert open_server.control_token is None
        async with httpx.AsyncClient(base_url=open_server.base_url) as http:
            assert (await http.get("/_emulator/stats")).status_code == 200
    async with emulator.running(control_token=TOKEN) as served:
        assert served.control_token == TOKEN
        assert TOKEN not in repr(served)
        async with httpx.AsyncClient(base_url=served.base_url) as http:
            assert (await http.get("/_emulator/stats")).status_code == 401
            stats = await http.get("/_emulator/stats", headers={"X-Emulator-Token": TOKEN})
            assert stats.status_code == 200


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    emulator.add_serve_arguments(parser)
    return parser.parse_args(list(argv))


def test_serve_takes_the_token_from_its_option_then_the_environment() -> None:
    """--control-token wins over the variable; an empty variable counts as unset."""
    assert control_token_of(_args(), {}) == (None, False)
    assert control_token_of(_args(), {ENV: ""}) == (None, False)
    assert control_token_of(_args(), {ENV: "from-env"}) == ("from-env", False)
    given = _args("--control-token", "from-flag")
    assert control_token_of(given, {ENV: "from-env"}) == ("from-flag", False)
    assert control_token_of(_args("--host", EVERYWHERE), {ENV: "from-env"}) == ("from-env", False)


def test_serve_makes_up_a_token_off_loopback() -> None:
    """With no token given and a non-loopback host, a random one is made (and must be shown)."""
    for host in (EVERYWHERE, "::", "192.0.2.7"):
        token, generated = control_token_of(_args("--host", host), {})
        assert token is not None
        assert generated is True


def test_serve_shows_a_made_up_token_once_and_never_a_given_one() -> None:
    """A made-up token gets its own export line; a given one is mentioned, not printed."""
    url = "http://127.0.0.1:8080"
    plain = startup_lines(url, "127.0.0.1", None, generated=False)
    assert plain == [
        "Pictory Vimeo emulator listening on http://127.0.0.1:8080",
        "export PICTORY_BASE_URL=http://127.0.0.1:8080",
        "export PICTORY_API_KEY=pictai_local",
        "Page: http://127.0.0.1:8080/_emulator/ (stored connections, live request log, faults)",
        "Press Ctrl-C to stop.",
    ]
    made = startup_lines(url, EVERYWHERE, "abc-123", generated=True)
    assert made[0].endswith("(bound to 0.0.0.0)")
    assert made[3] == f"export {ENV}=abc-123"
    assert sum("abc-123" in line for line in made) == 1
    given = startup_lines(url, "127.0.0.1", "abc-123", generated=False)
    assert len(given) == 6
    assert "abc-123" not in "\n".join(given)
    ipv6 = startup_lines("http://[::1]:8080", "::1", None, generated=False)
    assert ipv6[1] == "export PICTORY_BASE_URL='http://[::1]:8080'"


def test_serve_refuses_an_unusable_token(capsys: pytest.CaptureFixture[str]) -> None:
    """Exit status 2 and one line saying what a token must be, before listening."""
    assert emulator.run_serve(_args("--control-token", "has space")) == 2
    assert "error: the control token must be" in capsys.readouterr().err


def test_serve_guards_control_routes_with_the_token_from_the_environment() -> None:
    """A token in the variable is asked for on loopback too, and never printed."""
    command = [sys.executable, "-m", "pictory_vimeo.emulator", "--port", "0"]
    env = {**os.environ, ENV: TOKEN}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as p:
        try:
            assert p.stdout is not None
            lines = [p.stdout.readline() for _ in range(4)]
            url = lines[0].rsplit(" ", 1)[-1].strip()
            assert "control token" in lines[3]
            assert TOKEN not in "".join(lines)
            assert httpx.get(f"{url}/_emulator/stats").status_code == 401
            headers = {"Authorization": f"Bearer {TOKEN}"}
            assert httpx.get(f"{url}/_emulator/stats", headers=headers).status_code == 200
        finally:
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
