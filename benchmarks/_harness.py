"""What every benchmark shares: the server process, core pinning, contenders, rounds, samples.

A benchmark starts its own server (:func:`server`) in a separate process pinned to core 0
and runs in this process, pinned to core 1 (:func:`pin_client`). Its contenders share one
interface and one measuring loop (``_measure``). Rounds alternate the contenders
(A B C A B C ...), and every round's sample is kept, so the report can give medians with
min-max (:class:`Spread`) and the JSON keeps the raw figures.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

# The measuring loop lives in ``_measure``; its names are offered here too, where the
# benchmarks have always found them.
from ._measure import Contender, Sample, describe, measure, run_workers

__all__ = [
    "API_KEY",
    "CLIENT_CORE",
    "HERE",
    "PATH",
    "Contender",
    "Sample",
    "Server",
    "Spread",
    "can_pin",
    "describe",
    "heading",
    "measure",
    "optional",
    "pin_client",
    "pinned_command",
    "progress",
    "raise_file_limit",
    "run_workers",
    "select",
    "server",
    "spread",
]

API_KEY = "pictai_benchmark"
PATH = "/pictoryapis/v1/vimeo-connections"
HERE = Path(__file__).resolve().parent
#: The server's core and the client's, on a machine with at least two.
SERVER_CORE = 0
CLIENT_CORE = 1


def optional(module: str) -> Any | None:
    """``module`` imported, or ``None`` when it is not installed (optional contenders)."""
    if importlib.util.find_spec(module.partition(".")[0]) is None:
        return None
    return importlib.import_module(module)


# --- progress -------------------------------------------------------------------------


def progress(text: str) -> None:
    """One progress line on stderr (stdout carries the tables)."""
    print(f"  {text}", file=sys.stderr, flush=True)


_STARTED = time.perf_counter()


def heading(text: str) -> None:
    """The start of a benchmark, on stderr (with the time since the run started)."""
    elapsed = time.perf_counter() - _STARTED
    print(f"\n== [{elapsed // 60:.0f}:{elapsed % 60:04.1f}] {text}", file=sys.stderr, flush=True)


# --- processes and cores --------------------------------------------------------------


#: The cores this process may use when it starts (before it pins itself to one).
_CORES = frozenset(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else frozenset()


def can_pin() -> bool:
    """Whether the server and client can each have a core of their own."""
    return hasattr(os, "sched_setaffinity") and {SERVER_CORE, CLIENT_CORE} <= _CORES


@contextlib.contextmanager
def pin_client() -> Iterator[str]:
    """Run this process on core 1 for the block (the server has core 0); what was done."""
    if not can_pin():
        yield "not pinned (fewer than 2 cores, or no sched_setaffinity)"
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {CLIENT_CORE})
    try:
        yield f"client pinned to core {CLIENT_CORE}"
    finally:
        os.sched_setaffinity(0, before)


def raise_file_limit() -> None:
    """Allow as many sockets as the hard limit does: 512 concurrent calls need them."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def pinned_command(argv: list[str], core: int) -> tuple[list[str], bool]:
    """``argv`` under ``taskset -c core`` when it can be pinned; whether it was."""
    taskset = shutil.which("taskset")
    if taskset is None or not can_pin():
        return argv, False
    return [taskset, "-c", str(core), *argv], True


@dataclass(frozen=True)
class Server:
    """A running benchmark server."""

    url: str
    ids: list[str]
    seed_seconds: float
    pinned: bool
    #: Which app it serves: ``"emulator"`` or ``"bare"`` (fixed answers).
    kind: str = "emulator"


@contextlib.asynccontextmanager
async def server(
    *,
    latency_ms: float = 0.0,
    page_size: int = 25,
    seed: int = 0,
    print_ids: int = 1000,
    kind: str = "emulator",
) -> AsyncIterator[Server]:
    """Start ``_server.py`` in its own process (core 0), yield its URL, stop it after.

    ``kind``: ``"emulator"`` serves the emulator's app, ``"bare"`` fixed answers (``_bare``).
    """
    argv = [
        sys.executable,
        "-m",
        "benchmarks._server",
        f"--latency-ms={latency_ms}",
        f"--page-size={page_size}",
        f"--seed={seed}",
        f"--print-ids={print_ids}",
        f"--api-key={API_KEY}",
    ]
    if kind == "bare":
        argv.append("--bare")
    elif kind != "emulator":
        raise ValueError(f"unknown server {kind!r}")
    command, pinned = pinned_command(argv, SERVER_CORE)
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(  # noqa: ASYNC220 - started once, before any timing
            command,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env=_child_environment(),
            cwd=HERE.parent,  # where ``-m benchmarks._server`` is found
        )
        try:
            assert process.stdout is not None
            with anyio.fail_after(120):
                line = await anyio.to_thread.run_sync(process.stdout.readline)
            if not line:
                errors.seek(0)
                raise RuntimeError(f"the benchmark server did not start:\n{errors.read()[-3000:]}")
            ready = json.loads(line)
            yield Server(ready["url"], ready["ids"], ready["seconds"], pinned, kind)
        finally:
            process.terminate()
            try:
                await anyio.to_thread.run_sync(process.wait, 10)
            except subprocess.TimeoutExpired:
                process.kill()
                await anyio.to_thread.run_sync(process.wait)
            if process.stdout is not None:
                process.stdout.close()


def _child_environment() -> dict[str, str]:
    """This environment, less the SDK's log switch (the server's stderr stays quiet)."""
    env = dict(os.environ)
    env.pop("PICTORY_LOG", None)
    return env


# --- statistics -----------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """Median and range of one figure over rounds."""

    median: float
    low: float
    high: float
    #: How many rounds it is over.
    count: int = 0

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """The spread of ``values`` (NaN for none)."""
        if not values:
            nan = float("nan")
            return cls(nan, nan, nan)
        return cls(statistics.median(values), min(values), max(values), len(values))


def spread(samples: Sequence[dict[str, Any]], figure: str) -> Spread:
    """The spread of ``figure`` over stored samples (``per_second``, ``cpu_us`` or a field)."""
    values: list[float] = []
    for sample in samples:
        if figure == "per_second":
            value = sample["count"] / sample["wall_s"] if sample["wall_s"] > 0 else 0.0
        elif figure == "cpu_us":
            if not sample["cpu_count"]:
                continue
            value = sample["cpu_s"] / sample["cpu_count"] * 1e6
        elif figure in sample:
            value = float(sample[figure])
        else:
            value = float(sample["extra"][figure])
        values.append(value)
    return Spread.of(values)


def select(data: dict[str, Any], contender: str, point: str) -> list[dict[str, Any]]:
    """The stored samples of ``contender`` at ``point``."""
    return [s for s in data["samples"] if s["contender"] == contender and str(s["point"]) == point]
