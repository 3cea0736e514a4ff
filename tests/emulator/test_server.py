"""Serving over real loopback HTTP: ``running()`` under both event loops, and the serve command."""

from __future__ import annotations

import argparse
import logging
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator

PATH = "/pictoryapis/v1/vimeo-connections"
KEY = "pictai_loopback_test"
Body = Callable[..., dict[str, Any]]


@pytest.mark.anyio
async def test_running_serves_over_loopback_and_stops(body: Body) -> None:
    """running() serves on a free loopback port; leaving the block stops the server."""
    async with emulator.running(page_size=2) as served:
        assert served.base_url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": KEY}) as c:
            assert (await c.get("/_emulator/health")).json() == {"status": "ok"}
            created = await c.post(PATH, json=body())
            assert created.status_code == 201
            got = await c.get(f"{PATH}/{created.json()['connectionId']}")
            assert got.json()["name"] == "Marketing"
            assert got.headers["x-request-id"]
            assert len(got.headers.get_list("date")) == 1  # the app's, not uvicorn's too
        assert served.emulator.stats()["requests"] == 2
        assert served.emulator.page_size == 2
    async with httpx.AsyncClient(base_url=served.base_url) as c:
        with pytest.raises(httpx.ConnectError):
            await c.get("/_emulator/health")


@pytest.mark.anyio
async def test_a_dropped_answer_is_a_transport_error_on_the_wire(
    tmp_path: Path, body: Body, caplog: pytest.LogCaptureFixture
) -> None:
    """Over a socket the cut shows as a protocol error; the write landed; nothing is logged."""
    caplog.set_level(logging.INFO)
    faults = emulator.Faults(drop_after_commit_rate=1.0)
    async with (
        emulator.running(db=tmp_path / "drop.sqlite3", faults=faults, seed=7) as served,
        httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": KEY}) as c,
    ):
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await c.post(PATH, json=body())
        listing = (await c.get(PATH)).json()
        assert [item["name"] for item in listing["Items"]] == ["Marketing"]
        assert served.emulator.stats()["dropped"] == 1
    assert [r.getMessage() for r in caplog.records if r.name.startswith("uvicorn")] == []


@pytest.mark.anyio
async def test_the_sdk_runs_in_process_as_the_readme_shows() -> None:
    """The README's in-process example: the SDK over Emulator.transport(), no socket."""
    emu = emulator.Emulator()
    try:
        async with (
            httpx.AsyncClient(transport=emu.transport()) as http,
            pv.AsyncPictoryClient(
                api_key="pictai_local", base_url="http://localhost", http_client=http
            ) as client,
        ):
            conns = client.vimeo_connections
            conn = await conns.create(
                name="Demo", client_identifier="id", client_secret="s", access_token="t"
            )
            conn = await conns.update(conn.connection_id, version=conn.version, enabled=False)
            assert [c.name async for c in conns.list()] == ["Demo"]
            assert (conn.version, conn.enabled, conn.type) == (2, False, "VIMEO")
            await conns.delete(conn.connection_id)
            with pytest.raises(pv.NotFoundError):
                await conns.get(conn.connection_id)
    finally:
        emu.close()


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    emulator.add_serve_arguments(parser)
    return parser.parse_args(list(argv))


def test_serve_arguments_and_their_defaults() -> None:
    """The serve flags parse with loopback-only, in-memory, fault-free defaults."""
    args = _parse()
    assert (args.host, args.port, args.page_size, args.db, args.seed) == (
        "127.0.0.1",
        8080,
        25,
        None,
        None,
    )
    assert (args.latency_ms, args.error_rate, args.rate_limit, args.drop_after_commit_rate) == (
        0.0,
        0.0,
        None,
        0.0,
    )
    args = _parse("--port", "0", "--error-rate", "0.2", "--rate-limit", "5", "--seed", "3")
    assert (args.port, args.error_rate, args.rate_limit, args.seed) == (0, 0.2, 5.0, 3)


def test_run_serve_refuses_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    """Out-of-range settings exit with status 2 and one line on stderr, before listening."""
    assert emulator.run_serve(_parse("--error-rate", "2")) == 2
    assert emulator.run_serve(_parse("--page-size", "0")) == 2
    assert emulator.run_serve(_parse("--db", "/nonexistent/dir/x.sqlite")) == 2
    err = capsys.readouterr().err
    assert "--error-rate must be" in err
    assert "--page-size" in err
    assert "--db /nonexistent/dir/x.sqlite" in err


@pytest.mark.parametrize("port", ["-1", "65536", "99999", "http"])
def test_a_port_out_of_range_is_a_usage_error(port: str) -> None:
    """argparse refuses a port outside 0-65535 (exit 2) instead of wrapping it around."""
    with pytest.raises(SystemExit) as caught:
        _parse("--port", port)
    assert caught.value.code == 2


def test_run_serve_reports_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    """A port another socket holds exits with status 1 and says why."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert emulator.run_serve(_parse("--port", str(port))) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_python_m_serves_until_interrupted(tmp_path: Path, body: Body) -> None:
    """The module prints its URL, two pasteable export lines and the page's address, serves,
    exits 0 on Ctrl+C.
    """
    command = [sys.executable, "-m", "pictory_vimeo.emulator", "--port", "0"]
    command += ["--db", str(tmp_path / "cli.sqlite3")]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        try:
            assert p.stdout is not None
            line = p.stdout.readline()
            url = line.rsplit(" ", 1)[-1].strip()
            assert line.startswith("Pictory Vimeo emulator listening on http://127.0.0.1:")
            exports = [p.stdout.readline() for _ in range(2)]
            assert exports == [
                f"export PICTORY_BASE_URL={url}\n",
                "export PICTORY_API_KEY=pictai_local\n",
            ]
            pasted = dict(shlex.split(e.removeprefix("export "))[0].split("=", 1) for e in exports)
            headers = {"Authorization": pasted["PICTORY_API_KEY"]}
            created = httpx.post(pasted["PICTORY_BASE_URL"] + PATH, json=body(), headers=headers)
            assert created.status_code == 201
            page = p.stdout.readline().split()[1]  # "Page: <url> (...)"
            assert page == f"{url}/_emulator/"
            assert "<title>Pictory Vimeo emulator</title>" in httpx.get(page).text
        finally:
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert "Traceback" not in err
