"""The workload the profile samples: run as a module, under py-spy (or with pyinstrument).

``python -m benchmarks._profile_target --url URL --client sdk --calls N`` makes N ``get``
calls, 8 at a time, with the SDK (default transport) or a raw client, and prints one JSON
line (calls, wall and CPU seconds). With ``--pyinstrument FILE`` it samples itself with
pyinstrument and writes the samples as collapsed stacks (``frame;frame;... count``, the
format py-spy's ``raw`` output has), so both profilers feed the same summary.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import httpx

import pictory_vimeo as pv
from benchmarks._measure import run_workers

PATH = "/pictoryapis/v1/vimeo-connections"
API_KEY = "pictai_benchmark"
HEADERS = {"Authorization": API_KEY, "Accept": "application/json"}


def collapsed(root: Any, interval: float) -> list[str]:
    """pyinstrument's frame tree as collapsed stacks, one line per stack, in samples."""
    lines: list[str] = []

    def visit(frame: Any, stack: list[str]) -> None:
        if frame.is_synthetic:
            own = frame.time
            here = stack
        else:
            here = [*stack, f"{frame.function} ({frame.file_path}:{frame.line_no})"]
            own = frame.time - sum(child.time for child in frame.children)
            if not frame.children:
                own = frame.time
        samples = round(own / interval)
        if samples > 0 and (frame.is_synthetic or not frame.children):
            lines.append(f"{';'.join(here)} {samples}")
        if not frame.is_synthetic:
            for child in frame.children:
                visit(child, here)

    visit(root, [])
    return lines


async def workload(url: str, client: str, calls: int, concurrency: int) -> dict[str, float]:
    """Open the client, warm up, make ``calls`` gets ``concurrency`` at a time, close."""
    call, close = await _open(url, client, concurrency)
    remaining = calls

    async def worker(index: int) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call(index)

    try:
        wall, cpu = await run_workers(worker, concurrency)
    finally:
        await _close(close)
    return {"calls": calls, "wall_s": wall, "cpu_s": cpu}


async def _open(
    url: str, client: str, concurrency: int
) -> tuple[Callable[[int], Awaitable[object]], Callable[[], Awaitable[None]]]:
    """The call to profile and how to close its client, warmed up (connections open)."""
    ids = [c.connection_id for c in await _seeded(url)]
    call: Callable[[int], Awaitable[object]]
    close: Callable[[], Awaitable[None]]
    if client == "sdk":
        sdk = pv.AsyncPictoryClient(api_key=API_KEY, base_url=url)
        await sdk.__aenter__()
        close = sdk.aclose
        conns = sdk.vimeo_connections

        async def call(worker: int) -> object:
            return await conns.get(ids[worker % len(ids)])

    elif client == "raw-aiohttp":
        session = aiohttp.ClientSession(
            base_url=url, connector=aiohttp.TCPConnector(limit=concurrency), headers=HEADERS
        )
        close = session.close

        async def call(worker: int) -> object:
            async with session.get(f"{PATH}/{ids[worker % len(ids)]}") as response:
                body = await response.read()
                if response.status >= 400:
                    raise RuntimeError(f"status {response.status}")
            return json.loads(body)

    else:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        http = httpx.AsyncClient(base_url=url, headers=HEADERS, limits=limits)
        close = http.aclose

        async def call(worker: int) -> object:
            response = await http.get(f"{PATH}/{ids[worker % len(ids)]}")
            response.raise_for_status()
            return json.loads(response.content)

    async def warm(worker: int) -> None:
        await call(worker)

    async with anyio.create_task_group() as group:  # warm up: open the connections
        for index in range(concurrency):
            group.start_soon(warm, index)
    return call, close


async def _close(close: Callable[[], Awaitable[None]]) -> None:
    await close()


async def _seeded(url: str) -> list[pv.VimeoConnection]:
    client = pv.AsyncPictoryClient(api_key=API_KEY, base_url=url, transport="httpx")
    try:
        return (await client.vimeo_connections.list_page()).items
    finally:
        await client.aclose()


def main(argv: list[str] | None = None) -> int:
    """Run the workload (optionally under pyinstrument); print the JSON line."""
    parser = argparse.ArgumentParser(prog="benchmarks._profile_target", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--client", choices=("sdk", "raw-aiohttp", "raw-httpx"), default="sdk")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    parser.add_argument("--pyinstrument", metavar="FILE", type=Path)
    args = parser.parse_args(argv)
    work = (args.url, args.client, args.calls, args.concurrency)
    if args.pyinstrument is None:
        result = anyio.run(workload, *work, backend=args.backend)
    else:
        interval = 0.001
        profiler = importlib.import_module("pyinstrument").Profiler(
            interval=interval, async_mode="disabled"
        )
        profiler.start()
        result = anyio.run(workload, *work, backend=args.backend)
        profiler.stop()
        root = profiler.last_session.root_frame(trim_stem=False)
        args.pyinstrument.write_text("\n".join(collapsed(root, interval)) + "\n")
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
