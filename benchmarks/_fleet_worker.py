"""One client process of the fleet benchmark (``fleet.py``): callers sharing one client.

Run as a script, not imported (the benchmark starts several with ``subprocess``). Each of
``--callers`` callers starts a ``get`` every ``--period`` seconds (or as soon as its last
call ends, if that took longer): calls arrive on a schedule, whatever the server does, as
a service's requests do. ``--with`` uses the SDK's defaults (retry budget, adaptive rate);
without it, ``retry_budget=None, rate_limit=None``: each call on its own, as before.

Prints ``ready`` once its client is open, reads the start time (``time.time()``) from
stdin, runs ``--seconds`` from then, then prints one JSON object: every call as
``[start, end, ok, attempts, status]`` (seconds from the start) and the client's
``stats()``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sys
import time
from typing import Any

import anyio

import pictory_vimeo as pv


async def caller(
    conns: pv.AsyncVimeoConnections,
    connection_id: str,
    base: float,
    until: float,
    period: float,
    offset: float,
    calls: list[list[Any]],
    refusals: list[float],
) -> None:
    """Start a call every ``period`` from ``offset`` until ``until``; record each one, and
    when the first call the retry budget refused a retry ended (into ``refusals``).
    """
    next_start = base + offset
    while True:
        now = time.time()
        if next_start > now:
            await anyio.sleep(next_start - now)
        started = time.time()
        if started >= until:
            return
        try:
            raw = await conns.with_raw_response.get(connection_id)
        except pv.PictoryError as exc:
            status = getattr(exc, "status_code", 0)
            attempts = getattr(exc, "attempts", 1)
            ended = time.time() - base
            calls.append([started - base, ended, 0, attempts, status])
            if "retry budget exhausted" in str(exc) and not refusals:
                refusals.append(ended)
        else:
            ended = time.time() - base
            calls.append([started - base, ended, 1, raw.retries_taken + 1, 200])
        next_start = max(next_start + period, time.time())


def use_growth(growth: str) -> None:
    """Set how the adaptive rate grows back (``fleet.py`` compares the two).

    The measured comparison behind the SDK's choice of CUBIC: an experiment's knob in the
    rate module, set here by name in this worker process only, not an API.
    """
    rate = importlib.import_module("pictory_vimeo._rate")
    setattr(rate, "GROWTH", growth)  # noqa: B010 - a module found by name


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Run the callers on one client; the calls and the client's counters."""
    options: dict[str, Any] = {}
    if not args.with_:
        options = {"retry_budget": None, "rate_limit": None}
    ids: list[str] = json.loads(args.ids)
    calls: list[list[Any]] = []
    refusals: list[float] = []
    # The key comes from $PICTORY_API_KEY: never on a command line.
    async with pv.AsyncPictoryClient(base_url=args.url, **options) as client:
        with contextlib.suppress(pv.PictoryError):
            await client.vimeo_connections.get(ids[0])  # the pool open before the start
        # Ready: the driver answers with the start time once every worker is.
        print("ready", flush=True)
        base = float(await anyio.to_thread.run_sync(sys.stdin.readline))
        await anyio.sleep(max(0.0, base - time.time()))
        until = base + args.seconds
        async with anyio.create_task_group() as group:
            for index in range(args.callers):
                offset = args.period * index / args.callers
                group.start_soon(
                    caller,
                    client.vimeo_connections,
                    ids[index % len(ids)],
                    base,
                    until,
                    args.period,
                    offset,
                    calls,
                    refusals,
                )
        stats = client.stats()
    return {
        "calls": calls,
        "first_refusal": refusals[0] if refusals else None,
        "stats": {
            "requests": stats.requests,
            "retries": stats.retries,
            "budget_refusals": stats.budget_refusals,
            "rate_limit": stats.rate_limit,
            "rate_limit_wait": stats.rate_limit_wait,
        },
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The worker's options."""
    parser = argparse.ArgumentParser(prog="benchmarks/_fleet_worker.py", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--ids", required=True, help="a JSON list of connection IDs")
    parser.add_argument("--callers", type=int, required=True)
    parser.add_argument("--period", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--with", dest="with_", action="store_true")
    parser.add_argument("--growth", choices=("additive", "cubic"), default="cubic")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    use_growth(arguments.growth)
    result = anyio.run(main, arguments)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
