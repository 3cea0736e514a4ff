"""The SDK against the local emulator over real loopback HTTP, beside raw httpx doing the same.

Scenarios: sequential gets (latency), many gets at once (throughput under concurrency),
walking a long listing, and many writers racing on one connection (optimistic_update
against a naive read-modify-write loop that retries a conflict at once, without backoff).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable

import anyio
import httpx

import pictory_vimeo as pv
from pictory_vimeo import emulator

from ._harness import Row, best_of

KEY = "pictai_benchmark"
PATH = "/pictoryapis/v1/vimeo-connections"
HEADERS = {"Authorization": KEY}


async def _gather(count: int, limit: int, job: Callable[[int], Awaitable[None]]) -> None:
    """Run ``job(i)`` for i in range(count), at most ``limit`` at a time."""
    limiter = anyio.CapacityLimiter(limit)

    async def one(index: int) -> None:
        async with limiter:
            await job(index)

    async with anyio.create_task_group() as group:
        for index in range(count):
            group.start_soon(one, index)


async def _seed(conns: pv.AsyncVimeoConnections, count: int, prefix: str) -> list[str]:
    ids: list[str] = [""] * count

    async def create(index: int) -> None:
        created = await conns.create(
            name=f"{prefix} {index}",
            client_identifier=f"client-{index}",
            client_secret="benchmark-secret",
            access_token="benchmark-token",
        )
        ids[index] = created.connection_id

    await _gather(count, 20, create)
    return ids


async def run(*, quick: bool) -> list[Row]:
    """Every loopback scenario, one row each."""
    sizes = (100, 2, 200, 10) if quick else (1000, 3, 2000, 25)
    return await run_sized(*sizes)


async def run_sized(calls: int, rounds: int, listing: int, writers: int) -> list[Row]:
    """Every loopback scenario at the given sizes (a smoke test uses tiny ones)."""
    rows: list[Row] = []
    async with emulator.running(page_size=100) as emu:
        http = httpx.AsyncClient(base_url=emu.base_url, headers=HEADERS)
        client = pv.AsyncPictoryClient(api_key=KEY, base_url=emu.base_url, http_client=http)
        conns = client.vimeo_connections
        ids = await _seed(conns, listing, "bench")
        one = ids[0]

        async def raw_get_sequential() -> None:
            for _ in range(calls):
                response = await http.get(f"{PATH}/{one}")
                response.raise_for_status()
                json.loads(response.content)

        async def sdk_get_sequential() -> None:
            for _ in range(calls):
                await conns.get(one)

        async def raw_get_concurrent() -> None:
            async def job(index: int) -> None:
                response = await http.get(f"{PATH}/{ids[index % len(ids)]}")
                response.raise_for_status()
                json.loads(response.content)

            await _gather(calls, 50, job)

        async def sdk_get_concurrent() -> None:
            async def job(index: int) -> None:
                await conns.get(ids[index % len(ids)])

            await _gather(calls, 50, job)

        async def raw_walk() -> None:
            key: str | None = None
            while True:
                params = {"nextPageKey": key} if key else None
                response = await http.get(PATH, params=params)
                response.raise_for_status()
                key = json.loads(response.content).get("nextPageKey")
                if not key:
                    return

        async def sdk_walk() -> None:
            async for _ in conns.list():
                pass

        for scenario, unit, scale, raw, sdk in (
            (
                "get, one at a time (loopback)",
                "µs/call",
                1e6 / calls,
                raw_get_sequential,
                sdk_get_sequential,
            ),
            (
                "get, 50 at once (loopback)",
                "µs/call",
                1e6 / calls,
                raw_get_concurrent,
                sdk_get_concurrent,
            ),
            (f"walk {listing} connections (loopback)", "ms/walk", 1e3, raw_walk, sdk_walk),
        ):
            baseline = await best_of(rounds, raw) * scale
            ours = await best_of(rounds, sdk) * scale
            rows.append(Row(scenario, unit, "raw httpx + json", baseline, ours))

        rows.append(await _contention(conns, http, one, writers))
        await client.aclose()
        await http.aclose()
    return rows


async def _contention(
    conns: pv.AsyncVimeoConnections, http: httpx.AsyncClient, target: str, writers: int
) -> Row:
    """``writers`` tasks each append a token to one description: naive loop vs the helper."""
    conflicts = {"naive": 0}
    puts = {"helper": 0}

    async def naive(index: int) -> None:
        token = f"n{index:03d}"
        while True:
            current = json.loads((await http.get(f"{PATH}/{target}")).content)
            if token in (current.get("description") or ""):
                return
            body = {"version": current["version"], "description": _append(current, token)}
            response = await http.put(f"{PATH}/{target}", json=body)
            if response.status_code != 409:
                response.raise_for_status()
                return
            conflicts["naive"] += 1

    async def helper(index: int) -> None:
        token = f"o{index:03d}"

        def mutate(current: pv.VimeoConnection) -> dict[str, str] | None:
            if token in (current.description or ""):
                return None
            puts["helper"] += 1
            return {"description": f"{current.description or ''} {token}".strip()}

        await pv.optimistic_update(conns, target, mutate, max_attempts=100)

    started = time.perf_counter()
    await _gather(writers, writers, naive)
    baseline = (time.perf_counter() - started) * 1e3
    await conns.update(target, version=(await conns.get(target)).version, description="")
    started = time.perf_counter()
    await _gather(writers, writers, helper)
    ours = (time.perf_counter() - started) * 1e3
    final = (await conns.get(target)).description or ""
    assert all(f"o{i:03d}" in final for i in range(writers)), "a contended update was lost"
    return Row(
        f"{writers} writers on one connection (loopback)",
        "ms",
        "get+put, retry 409 at once",
        baseline,
        ours,
        note=(
            f"conflicts met: naive loop {conflicts['naive']}, "
            f"optimistic_update {puts['helper'] - writers}"
        ),
    )


def _append(current: dict[str, object], token: str) -> str:
    return f"{current.get('description') or ''} {token}".strip()
