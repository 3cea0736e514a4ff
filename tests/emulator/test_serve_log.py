"""``serve`` says what it does: one line per request, the fault injected, never a secret."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any, Final

import httpx
import pytest

from pictory_vimeo import emulator
from pictory_vimeo.emulator._serve_log import RequestPrinter, request_line

PATH = "/pictoryapis/v1/vimeo-connections"
KEY = "pictai_serve_log_secret_key"
TOKEN = "control-token-never-printed"
Body = Callable[..., dict[str, Any]]
#: A request line: local time with milliseconds, method, target, status, milliseconds.
LINE: Final = re.compile(r"\d\d:\d\d:\d\d\.\d{3} (?P<method>[A-Z]+) (?P<target>\S+) (?P<rest>.*)")


def parsed(lines: list[str]) -> list[tuple[str, str, str]]:
    """``(method, target, the rest with the milliseconds masked)`` of each line."""
    found = []
    for line in lines:
        match = LINE.fullmatch(line)
        assert match is not None, line
        rest = re.sub(r"^(\d{3}) \d+\.\d ms", r"\1 N ms", match["rest"])
        found.append((match["method"], match["target"], rest))
    return found


@pytest.mark.anyio
async def test_each_request_gets_a_line_saying_its_fault(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, body: Body
) -> None:
    """Scripted and random faults, drops of each kind, a 429 and a control-route write each
    show; reads of the control routes do not; the API key never does.
    """
    out = io.StringIO()
    emu.add_request_listener(RequestPrinter(out))
    created = (await emu_http.post(PATH, json=body())).json()
    item = f"{PATH}/{created['connectionId']}"
    emu.fail_next(503, method="GET")
    await emu_http.get(PATH, params={"nextPageKey": "a2V5"})
    await emu_http.post("/_emulator/fail-next", json={"dropAfterCommit": True, "drop": "close"})
    with pytest.raises(httpx.RemoteProtocolError):
        await emu_http.put(item, json={"version": 1, "description": "x"})
    emu.set_faults(drop_after_commit_rate=1.0, drop_after_commit_mode="reset")
    with pytest.raises(httpx.ReadError):
        await emu_http.delete(item)
    emu.set_faults(drop_after_commit_rate=0.0, error_rate=1.0)
    await emu_http.get(item)
    emu.set_faults(error_rate=0.0, rate_limit=0.001)
    await emu_http.get(PATH)
    await emu_http.get(PATH)
    await emu_http.get("/_emulator/faults")
    await emu_http.get("/_emulator/requests")
    lines = out.getvalue().splitlines()
    assert KEY not in out.getvalue()
    assert emulator.fingerprint(KEY) not in out.getvalue()
    shown = parsed(lines)
    random_error = shown[5][2].split()[0]
    assert random_error in ("500", "502", "503")
    assert shown == [
        ("POST", PATH, "201 N ms"),
        ("GET", f"{PATH}?nextPageKey=a2V5", "503 N ms fault=503 scripted"),
        ("POST", "/_emulator/fail-next", "200 N ms"),
        ("PUT", item, "200 N ms fault=drop scripted dropped=close"),
        ("DELETE", item, "204 N ms fault=drop random dropped=reset"),
        ("GET", item, f"{random_error} N ms fault={random_error} random"),
        ("GET", PATH, "200 N ms"),
        ("GET", PATH, "429 N ms fault=429 rate-limit"),
    ]


def test_a_line_escapes_what_a_client_put_in_the_path() -> None:
    """Newlines and terminal escapes in a path cannot forge a line or recolour the terminal."""
    served = emulator.ServedRequest("GET", f"{PATH}/a\nb\x1b[31m\u202e", 404, time=0.0, ms=1.25)
    line = request_line(served)
    assert line.endswith(f" GET {PATH}/a\\nb\\x1b[31m\\u202e 404 1.2 ms")
    assert line.isprintable()
    assert line.isascii()


def test_printing_stops_quietly_when_the_stream_is_gone() -> None:
    """A closed stream (``serve | head``, ``head`` gone) stops the lines, not the server."""
    stream = io.StringIO()
    printer = RequestPrinter(stream)
    stream.close()
    printer(emulator.ServedRequest("GET", PATH, 200))
    printer(emulator.ServedRequest("GET", PATH, 200))


@pytest.fixture
def serve_process() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """``start(*flags)``: ``python -m pictory_vimeo.emulator --port 0 *flags``; stopped with
    Ctrl-C at the end, its exit status checked.
    """
    started: list[subprocess.Popen[str]] = []

    def start(*flags: str) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "pictory_vimeo.emulator", "--port", "0", *flags]
        env = {**os.environ, "PICTORY_EMULATOR_CONTROL_TOKEN": TOKEN}
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.returncode is None:
            process.kill()
            process.communicate(timeout=30)


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Ctrl-C, then everything it printed after what was read already."""
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    return out, err


def startup(process: subprocess.Popen[str]) -> tuple[str, list[str]]:
    """The base URL and the start-up lines, read up to "Press Ctrl-C to stop."."""
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or lines[-1] != "Press Ctrl-C to stop.":
        line = process.stdout.readline()
        assert line, f"serve ended early after {lines}"
        lines.append(line.rstrip("\n"))
    return lines[0].rsplit(" ", 1)[-1], lines


def test_serve_prints_a_line_per_request_and_never_a_secret(
    serve_process: Callable[..., subprocess.Popen[str]], body: Body
) -> None:
    """Through the real process: the start-up lines end with how to stop it; then one line
    per request, a dropped answer saying how it was lost; neither the key nor the token.
    """
    process = serve_process("--drop-after-commit-rate", "1", "--drop-after-commit-mode", "close")
    url, lines = startup(process)
    assert lines[0].startswith("Pictory Vimeo emulator listening on http://127.0.0.1:")
    headers = {"Authorization": KEY}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as http:
        assert http.get(PATH).status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(PATH, json=body())
        control = {"Authorization": f"Bearer {TOKEN}"}
        assert http.patch("/_emulator/faults", json={"errorRate": 0}, headers=control).is_success
        assert http.get("/_emulator/stats", headers=control).is_success
    out, err = stop(process)
    assert KEY not in out + err
    assert TOKEN not in out + err
    assert parsed(out.splitlines()) == [
        ("GET", PATH, "200 N ms"),
        ("POST", PATH, "201 N ms fault=drop random dropped=close"),
        ("PATCH", "/_emulator/faults", "200 N ms"),
    ]


def test_serve_quiet_prints_only_its_start_up_lines(
    serve_process: Callable[..., subprocess.Popen[str]],
) -> None:
    """``--quiet``: requests are served and nothing is printed for them."""
    process = serve_process("--quiet")
    url, _ = startup(process)
    assert httpx.get(url + PATH, headers={"Authorization": KEY}, timeout=10).status_code == 200
    out, _ = stop(process)
    assert out == ""


def test_serve_refuses_an_unknown_drop_mode(
    serve_process: Callable[..., subprocess.Popen[str]],
) -> None:
    """A usage error (exit 2) naming the flag and the modes it takes."""
    process = serve_process("--drop-after-commit-mode", "sometimes")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "--drop-after-commit-mode" in err
    assert "close" in err
    assert "mixed" in err
