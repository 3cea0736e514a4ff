"""Profile: where the client's CPU goes in the SDK's ``get`` (concurrency 8, no latency).

A fresh process (``_profile_target.py``, pinned to the client's core) makes the calls
with the SDK's default transport while py-spy samples it from outside (no sampler thread
in the process to distort the figures); then raw aiohttp (raw httpx under trio) makes the
same calls, for comparison. Without py-spy, pyinstrument samples the process from inside
instead. Each sample's innermost frame is put in an area (the SDK's own code, httpx,
httpx-aiohttp, aiohttp, anyio, asyncio, the thread pool ...); the summary keeps those
shares, the functions with the most self time, and the SDK's functions by inclusive time
(each sample counted once per function), i.e. the phases of one call.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from ._harness import CLIENT_CORE, HERE, heading, optional, pinned_command, progress, server
from ._plan import Plan

NAME = "profile"
#: (area, test on a frame's file path): the first that matches wins.
_AREAS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("SDK (pictory_vimeo)", lambda p: "/pictory_vimeo/" in p),
    ("httpx-aiohttp adapter", lambda p: "/httpx_aiohttp/" in p),
    ("httpx", lambda p: "/httpx/" in p),
    ("httpcore / h11", lambda p: "/httpcore/" in p or "/h11/" in p),
    (
        "aiohttp / yarl / multidict",
        lambda p: any(f"/{m}/" in p for m in ("aiohttp", "yarl", "multidict")),
    ),
    ("anyio / sniffio", lambda p: "/anyio/" in p or "/sniffio/" in p),
    ("attrs / cattrs", lambda p: any(f"/{m}/" in p for m in ("attr", "attrs", "cattrs", "cattr"))),
    ("tenacity", lambda p: "/tenacity/" in p),
    (
        "thread pool (concurrent.futures, threading, queue)",
        lambda p: any(m in p for m in ("/concurrent/futures/", "/threading.py", "/queue.py")),
    ),
    ("asyncio event loop", lambda p: "/asyncio/" in p or p.endswith("/selectors.py")),
    ("trio event loop", lambda p: "/trio/" in p or "/outcome/" in p),
    ("socket send/recv (kernel)", lambda p: p.startswith("socket.")),
    ("json", lambda p: "/json/" in p),
    ("logging", lambda p: "/logging/" in p),
    ("benchmark workload", lambda p: "/benchmarks/" in p),
)
_FRAME_SPLIT = " ("
#: Frames of the workload script outside its measured loop (opening and closing clients).
_SETUP = ("_open (", "_close (", "_seeded (")


def _py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def _function(frame: str) -> str:
    return frame.partition(_FRAME_SPLIT)[0].rpartition(".")[2]


def _idle(leaf: str) -> bool:
    """Whether the innermost frame waits (the loop's poll, an idle pool thread)."""
    function, path = _function(leaf), _path(leaf)
    if function == "select" and path.endswith("selectors.py"):
        return True
    if function == "get_events" and "/trio/" in path:
        return True
    waits = path.endswith(("threading.py", "queue.py")) or "/concurrent/futures/" in path
    return waits and function in {"wait", "get", "acquire", "_worker"}


def read_collapsed(text: str) -> list[tuple[list[str], int]]:
    """``frame;frame;... count`` lines as (frames, samples): the measured calls only.

    Kept: samples taken in the event loop (inside ``anyio.run``) and in the thread pool's
    workers; dropped: start-up and imports, opening and closing the clients, and waits
    (the loop's poll, an idle worker thread).
    """
    stacks = []
    for line in text.splitlines():
        body, _, count = line.rpartition(" ")
        if not body or not count.isdigit():
            continue
        frames = body.split(";")
        in_loop = any(f.startswith("run (") and "/anyio/" in f for f in frames)
        in_pool = any(f.startswith("_worker (") and "/concurrent/futures/" in f for f in frames)
        if not (in_loop or in_pool):
            continue
        if any(f.startswith(("_find_and_load (", *_SETUP)) for f in frames):
            continue
        if _idle(frames[-1]):
            continue
        stacks.append((frames, int(count)))
    return stacks


def _path(frame: str) -> str:
    """The file of a ``function (path:line)`` frame (built-ins: the function's name)."""
    function, _, where = frame.partition(_FRAME_SPLIT)
    path = where.rstrip(")").rpartition(":")[0]
    return path if path and not path.startswith("<") else function


def area_of(frame: str) -> str:
    """The area a frame's own time is put in."""
    path = _path(frame)
    for name, test in _AREAS:
        if test(path):
            return name
    return "other (stdlib, built-ins)"


def short(frame: str) -> str:
    """``function (package/module.py)``: lines of one function are added up."""
    function, _, where = frame.partition(_FRAME_SPLIT)
    path = where.rstrip(")").rpartition(":")[0]
    parts = Path(path).parts
    return f"{function} ({'/'.join(parts[-2:])})" if path else function


def summarise(stacks: Iterable[tuple[list[str], int]], top: int = 12) -> dict[str, Any]:
    """Shares by area, the top functions by self time, the SDK's functions by inclusive time."""
    areas: Counter[str] = Counter()
    own: Counter[str] = Counter()
    sdk: Counter[str] = Counter()
    total = 0
    for frames, count in stacks:
        total += count
        leaf = frames[-1]
        areas[area_of(leaf)] += count
        own[short(leaf)] += count
        seen = {short(f) for f in frames if "/pictory_vimeo/" in f}
        for name in seen:
            sdk[name] += count

    def shares(counter: Counter[str], limit: int | None = None) -> list[dict[str, Any]]:
        return [
            {"name": name, "samples": n, "share": n / total if total else 0.0}
            for name, n in counter.most_common(limit)
        ]

    return {
        "samples": total,
        "areas": shares(areas),
        "top_self": shares(own, top),
        "sdk_inclusive": shares(sdk, top),
    }


def profiler_available() -> str | None:
    """``"py-spy"`` or ``"pyinstrument"``, whichever can run here (py-spy first)."""
    if _py_spy() is not None:
        return "py-spy"
    if optional("pyinstrument") is not None:
        return "pyinstrument"
    return None


def profile_child(url: str, client: str, calls: int, backend: str, profiler: str) -> dict[str, Any]:
    """Run the workload in a fresh pinned process under ``profiler``; its summary."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "stacks.txt"
        argv = [
            sys.executable,
            "-m",
            "benchmarks._profile_target",
            f"--url={url}",
            f"--client={client}",
            f"--calls={calls}",
            f"--backend={backend}",
        ]
        if profiler == "py-spy":
            spy = _py_spy()
            assert spy is not None
            argv = [
                spy,
                "record",
                "--rate=1000",
                "--format=raw",
                "--full-filenames",
                "--output",
                str(out),
                "--",
                *argv,
            ]
        else:
            argv.append(f"--pyinstrument={out}")
        command, _ = pinned_command(argv, CLIENT_CORE)
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=HERE.parent,  # where ``-m benchmarks._profile_target`` is found
        )
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"profiling failed ({profiler}):\n{done.stderr[-3000:]}")
        # py-spy writes its own lines to stdout too: the workload's is the JSON one.
        result = json.loads([x for x in done.stdout.splitlines() if x.startswith("{")][-1])
        summary = summarise(read_collapsed(out.read_text()))
    summary.update(
        calls=result["calls"],
        wall_s=result["wall_s"],
        cpu_us_per_call=result["cpu_s"] / result["calls"] * 1e6,
    )
    return summary


async def run(plan: Plan, backend: str) -> dict[str, Any]:
    """Profile the SDK's get, then the raw client's, each in a fresh process."""
    heading(f"profile ({backend}): get, no latency, concurrency 8, {plan.profile_calls:,} calls")
    profiler = profiler_available()
    data: dict[str, Any] = {
        "benchmark": NAME,
        "backend": backend,
        "mode": plan.mode,
        "settings": {
            "operation": "get",
            "concurrency": 8,
            "calls": plan.profile_calls,
            "profiler": profiler or "",
            "latency_ms": 0.0,
        },
        "skipped": [],
        "profiles": {},
    }
    if profiler is None:
        why = "neither py-spy nor pyinstrument is installed (the bench extra has both)"
        data["skipped"].append({"label": "profile", "why": why})
        progress(f"skipping: {why}")
        return data
    raw = ("raw-aiohttp", "raw aiohttp") if backend == "asyncio" else ("raw-httpx", "raw httpx")
    transport = "aiohttp" if backend == "asyncio" else "httpx"
    async with server(latency_ms=0.0, seed=64) as srv:
        data["settings"]["server_pinned"] = srv.pinned
        for key, label in (("sdk", f"SDK, transport=auto ({transport})"), raw):
            progress(f"{label}: {plan.profile_calls:,} calls under {profiler} ...")
            summary = await anyio.to_thread.run_sync(
                profile_child, srv.url, key, plan.profile_calls, backend, profiler
            )
            summary["label"] = label
            data["profiles"][key] = summary
            areas = ", ".join(
                f"{a['name']} {a['share']:.0%}" for a in summary["areas"][:4] if a["share"] > 0
            )
            progress(f"    {summary['cpu_us_per_call']:,.0f} µs CPU/call; {areas}")
    return data
