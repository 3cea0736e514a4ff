"""The key never goes over plain http:// to anything but loopback, unless the caller says so.

The refusal is a ``ValidationError`` at construction that names ``allow_insecure_http``.
With the flag the request goes out; that is checked with a recording transport, so no
test ever sends anything to a non-loopback address.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import cli

from ._support import COLLECTION, KEY

REMOTE_HTTP = [
    "http://10.0.0.5",
    "http://api.pictory.ai",
    "http://[fe80::1]",
    "http://192.168.1.20:8080/",
    "HTTP://API.PICTORY.AI",
    "http://localhost.example.com",
    "http://0.0.0.0:8080",
    "http://[::ffff:10.0.0.5]",
]
LOOPBACK_HTTP = [
    "http://localhost",
    "http://LOCALHOST:8080",
    "http://127.0.0.1",
    "http://127.0.0.2:8080",
    "http://127.255.255.254",
    "http://[::1]",
    "http://[::1]:9000/",
]


class Recording(httpx.AsyncBaseTransport):
    """Answers every request with an empty page, remembering what it was sent."""

    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Record ``request``; answer an empty listing."""
        self.sent.append(request)
        return httpx.Response(200, json={"Items": []})


def _refused(error: pv.ValidationError) -> None:
    assert [e.field for e in error.errors] == ["base_url"]
    assert "allow_insecure_http=True" in str(error)
    assert "--allow-insecure-http" in str(error)
    assert KEY not in str(error)


@pytest.mark.parametrize("url", REMOTE_HTTP)
@pytest.mark.parametrize("client_class", [pv.AsyncPictoryClient, pv.PictoryClient])
def test_plain_http_off_loopback_is_refused(url: str, client_class: Callable[..., Any]) -> None:
    """Both clients refuse at construction, naming the flag, before anything is sent."""
    with pytest.raises(pv.ValidationError) as caught:
        client_class(KEY, url, transport=Recording())
    _refused(caught.value)


@pytest.mark.parametrize("url", REMOTE_HTTP[:3])
def test_the_environment_is_held_to_the_same_rule(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """$PICTORY_BASE_URL is checked as base_url= is."""
    monkeypatch.setenv("PICTORY_BASE_URL", url)
    with pytest.raises(pv.ValidationError) as caught:
        pv.AsyncPictoryClient(KEY, transport=Recording())
    _refused(caught.value)


@pytest.mark.parametrize("url", LOOPBACK_HTTP)
@pytest.mark.anyio
async def test_plain_http_to_loopback_is_accepted(url: str) -> None:
    """localhost, 127.0.0.0/8 and ::1 need no flag; the request goes there."""
    recording = Recording()
    async with pv.AsyncPictoryClient(KEY, url, transport=recording) as client:
        await client.vimeo_connections.list_page()
    (sent,) = recording.sent
    assert (sent.url.host, sent.url.path) == (httpx.URL(url).host, COLLECTION)


@pytest.mark.parametrize("url", REMOTE_HTTP)
@pytest.mark.anyio
async def test_the_flag_lets_the_request_go_out(url: str) -> None:
    """With allow_insecure_http=True the key goes where it was told to (here: a recorder)."""
    recording = Recording()
    async with pv.AsyncPictoryClient(
        KEY, url, transport=recording, allow_insecure_http=True
    ) as client:
        await client.vimeo_connections.list_page()
    (sent,) = recording.sent
    assert sent.url.scheme == "http"
    assert sent.url.host == httpx.URL(url).host
    assert sent.headers["authorization"] == KEY


def test_the_sync_client_takes_the_flag_too() -> None:
    """PictoryClient(..., allow_insecure_http=True) sends; without it, it refuses."""
    recording = Recording()
    with pv.PictoryClient(
        KEY, "http://10.0.0.5", transport=recording, allow_insecure_http=True
    ) as client:
        assert client.vimeo_connections.list_page().items == []
    assert [r.url.host for r in recording.sent] == ["10.0.0.5"]


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_the_flag_must_be_a_bool(value: object) -> None:
    """A truthy non-bool is not taken as consent."""
    with pytest.raises(pv.ValidationError, match="allow_insecure_http"):
        pv.AsyncPictoryClient(KEY, "http://10.0.0.5", allow_insecure_http=value)  # type: ignore[arg-type]


@pytest.fixture
def cli_recording(monkeypatch: pytest.MonkeyPatch) -> Recording:
    """Every client the command builds sends to one recording transport."""
    recording = Recording()

    class RecordedClient(pv.AsyncPictoryClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, transport=recording, **kwargs)

    monkeypatch.setattr(cli, "AsyncPictoryClient", RecordedClient)
    monkeypatch.setenv("PICTORY_API_KEY", KEY)
    return recording


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> subprocess.CompletedProcess[str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(argv), code, out, err)


@pytest.mark.parametrize("url", ["http://10.0.0.5", "http://api.pictory.ai", "http://[fe80::1]"])
def test_the_command_refuses_without_the_flag(
    cli_recording: Recording, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    """Exit 2, naming --allow-insecure-http, and nothing sent."""
    done = _run(capsys, "--base-url", url, "connections", "list")
    assert done.returncode == 2
    assert "--allow-insecure-http" in done.stderr
    assert KEY not in done.stderr + done.stdout
    assert cli_recording.sent == []


@pytest.mark.parametrize("position", ["before", "after"])
def test_the_command_sends_with_the_flag(
    cli_recording: Recording, capsys: pytest.CaptureFixture[str], position: str
) -> None:
    """--allow-insecure-http (before or after the command) lets the request go out."""
    command = ["connections", "list"]
    flag = ["--allow-insecure-http"]
    argv = ["--base-url", "http://10.0.0.5"]
    argv += [*flag, *command] if position == "before" else [*command, *flag]
    done = _run(capsys, *argv)
    assert done.returncode == 0, done.stderr
    assert [r.url.host for r in cli_recording.sent] == ["10.0.0.5"]


def test_the_command_needs_no_flag_for_loopback(
    cli_recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    """http://127.0.0.1 is fine without the flag."""
    done = _run(capsys, "--base-url", "http://127.0.0.1:9", "connections", "list")
    assert done.returncode == 0, done.stderr
    assert [r.url.host for r in cli_recording.sent] == ["127.0.0.1"]
