"""5. Fleet: several client processes against one account, with the retry budget and the
adaptive rate (the SDK's defaults) and without them (``retry_budget=None, rate_limit=None``).

The emulator runs as a process of its own (``_server.py``, 5 ms latency); each client
process (``_fleet_worker.py``) has callers that each start a ``get`` every 0.25 s. Three
scenarios, each run with and then without:

1. **outage**: every request answers a 5xx for a while (``errorRate`` 1), then none does.
   Reported: requests per call once the budget has drained (from the first refusal),
   how long after the recovery the last failing call ended, and how many calls started
   after the recovery failed or needed a retry.
2. **rate limit**: the account may make 200 requests/s (``rateLimit``). Reported after the
   first 5 s: successful requests/s at the server and the share of 429s.
3. **rare failures**: 5 % of requests answer a 5xx. Reported: the calls' success rate and
   successful calls/s.

The plot shows requests/s and 429s/s (the server's counters, sampled every 0.25 s) and
successful calls/s (the clients' view) over time, one panel per scenario, in half-second
steps.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx

from ._harness import API_KEY, HERE, Server, heading, progress, server
from ._plan import Plan

NAME = "fleet"
PLOT = "fleet.png"
WORKER = HERE / "_fleet_worker.py"
PERIOD = 0.25
LATENCY_MS = 5.0
RATE_LIMIT = 200.0
SAMPLE = 0.25
#: How the workers' adaptive rate grows back after a 429 (the SDK's default, cubic, or
#: additive): the rate-limit scenario also runs with additive growth, to compare the two.
GROWTH = "cubic"
#: Without a budget, the outage's requests per call are counted from this many seconds
#: into it (with one, from the first refusal: the budget has drained by then).
DRAINED_AFTER = 2.0


@dataclass(frozen=True)
class Size:
    """How big the fleet and how long each scenario, for one plan."""

    processes: int
    callers: int
    #: outage: seconds before it, of it, after it.
    outage: tuple[float, float, float]
    rate_seconds: float
    #: The rate-limit figures leave out this many seconds at the start.
    rate_skip: float
    rare_seconds: float


SIZES = {
    "full": Size(4, 64, (3.0, 5.0, 5.0), 25.0, 5.0, 12.0),
    "quick": Size(4, 32, (1.5, 4.0, 2.5), 10.0, 5.0, 4.0),
    "tiny": Size(1, 4, (0.3, 1.0, 0.5), 1.0, 0.5, 0.5),
}


async def _control(http: httpx.AsyncClient, **faults: float | None) -> None:
    response = await http.patch("/_emulator/faults", json=faults)
    response.raise_for_status()


async def _counters(http: httpx.AsyncClient) -> dict[str, int]:
    response = await http.get("/_emulator/stats")
    response.raise_for_status()
    data: dict[str, int] = response.json()
    return data


def _worker_command(
    url: str, ids: list[str], size: Size, seconds: float, with_: bool, growth: str
) -> list[str]:
    argv = [
        sys.executable,
        str(WORKER),
        f"--url={url}",
        f"--ids={json.dumps(ids)}",
        f"--callers={size.callers}",
        f"--period={PERIOD}",
        f"--seconds={seconds}",
        f"--growth={growth}",
    ]
    return [*argv, "--with"] if with_ else argv


async def scenario(
    running: Server,
    http: httpx.AsyncClient,
    name: str,
    size: Size,
    with_: bool,
    growth: str = GROWTH,
) -> dict[str, Any]:
    """Run one scenario with or without the fleet features: calls and server samples.

    ``http`` reaches the ``running`` server's control routes. ``name``
    ``"rate_limit_additive"`` is the rate limit with additive growth.
    """
    label, name = name, name.removesuffix("_additive")
    growth = "additive" if label != name else growth
    seconds = (
        sum(size.outage)
        if name == "outage"
        else (size.rate_seconds if name == "rate_limit" else size.rare_seconds)
    )
    env = {**os.environ, "PICTORY_API_KEY": API_KEY}
    env.pop("PICTORY_LOG", None)
    # The server's counters run on from one scenario to the next: only differences count.
    await _control(http, errorRate=0.0, rateLimit=None)
    if name == "rate_limit":
        await _control(http, rateLimit=RATE_LIMIT)
    elif name == "rare":
        await _control(http, errorRate=0.05)
    processes = [
        subprocess.Popen(  # noqa: ASYNC220 - started before the timed window
            _worker_command(running.url, running.ids, size, seconds, with_, growth),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        for _ in range(size.processes)
    ]
    for process in processes:  # each has imported the SDK and opened its client
        assert process.stdout is not None
        line = await anyio.to_thread.run_sync(process.stdout.readline)
        if line.strip() != "ready":
            raise RuntimeError("a fleet worker failed to start")
    start = time.time() + 0.2
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(f"{start}\n")
        process.stdin.flush()
    samples, switched = await _sample(http, name, size, start, seconds)
    outputs = []
    for process in processes:
        out, _ = await anyio.to_thread.run_sync(process.communicate)
        if process.returncode != 0:
            raise RuntimeError(f"a fleet worker failed ({process.returncode})")
        outputs.append(json.loads(out))
    calls = [call for output in outputs for call in output["calls"]]
    # Calls after their own process's budget drained: from its first refusal on.
    drained = [
        call
        for output in outputs
        if output["first_refusal"] is not None
        for call in output["calls"]
        if call[0] >= output["first_refusal"]
    ]
    return {
        "scenario": label,
        "with": with_,
        "growth": growth,
        "seconds": seconds,
        "samples": samples,
        "calls": len(calls),
        "outage_at": switched,
        # Calls that succeeded, by the SAMPLE-long bin they ended in (the client's view).
        "successes": _binned([c[1] for c in calls if c[2]], seconds + 0.5),
        "summary": summarise(name, size, calls, samples, switched, drained),
        "stats": [output["stats"] for output in outputs],
    }


async def _sample(
    http: httpx.AsyncClient, name: str, size: Size, start: float, seconds: float
) -> tuple[list[list[float]], list[float]]:
    """The server's counters every ``SAMPLE`` s, ``[t, requests, errors, rateLimited]``, and
    (outage) the times the outage began and ended, switched on time between samples.
    """
    samples: list[list[float]] = []
    before, during, _ = size.outage
    events = [(before, 1.0), (before + during, 0.0)] if name == "outage" else []
    switched: list[float] = []
    next_sample = 0.0
    while next_sample < seconds + 0.5:
        due = min(next_sample, events[0][0]) if events else next_sample
        await anyio.sleep(max(0.0, start + due - time.time()))
        if events and due == events[0][0]:
            await _control(http, errorRate=events.pop(0)[1])
            switched.append(time.time() - start)
            continue
        counters = await _counters(http)
        now = time.time() - start
        samples.append([now, counters["requests"], counters["errors"], counters["rateLimited"]])
        next_sample += SAMPLE
    return samples, switched


def _window(samples: list[list[float]], since: float, until: float) -> tuple[float, ...]:
    """Seconds, requests, errors and 429s between the samples nearest two times."""
    inside = [s for s in samples if since <= s[0] <= until]
    if len(inside) < 2:
        return (0.0, 0.0, 0.0, 0.0)
    first, last = inside[0], inside[-1]
    return tuple(b - a for a, b in zip(first, last, strict=True))


def summarise(
    name: str,
    size: Size,
    calls: list[list[Any]],
    samples: list[list[float]],
    switched: list[float],
    drained: list[list[Any]],
) -> dict[str, float]:
    """The scenario's figures from its calls (``[start, end, ok, attempts, status]``);
    ``switched``: when the outage began and ended; ``drained``: the calls each process
    started once its budget had refused a retry.
    """
    if name == "outage":
        began, recovery = switched
        if not drained:  # no budget: the calls from as far into the outage
            drained = [c for c in calls if c[0] >= began + DRAINED_AFTER]
        drained = [c for c in drained if c[1] < recovery]
        after = [c for c in calls if c[0] >= recovery]
        failed_ends = [c[1] for c in calls if not c[2]]
        return {
            "requests_per_call": _mean([c[3] for c in drained]),
            "calls_in_outage": len(drained),
            "recovery_s": max([0.0, *[end - recovery for end in failed_ends]]),
            "calls_after": len(after),
            "after_not_first_try": sum(1 for c in after if not c[2] or c[3] > 1),
        }
    if name.startswith("rate_limit"):
        span, requests, errors, limited = _window(samples, size.rate_skip, size.rate_seconds)
        ok = requests - errors - limited
        return {
            "successes_per_s": ok / span if span else 0.0,
            "share_429": limited / requests if requests else 0.0,
            "requests_per_s": requests / span if span else 0.0,
        }
    succeeded = sum(1 for c in calls if c[2])
    return {
        "success_rate": succeeded / len(calls) if calls else 0.0,
        "calls_per_s": succeeded / size.rare_seconds,
        "requests_per_call": _mean([c[3] for c in calls]),
    }


def _binned(times: list[float], seconds: float) -> list[int]:
    counts = [0] * (int(seconds / SAMPLE) + 1)
    for t in times:
        if 0 <= t < seconds:
            counts[int(t / SAMPLE)] += 1
    return counts


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else 0.0


async def run(plan: Plan, backend: str) -> dict[str, Any]:
    """Every scenario, with and without: the results (``backend`` is the driver's only)."""
    size = SIZES.get(plan.mode, SIZES["full"])
    heading(f"5. fleet: {size.processes} processes x {size.callers} callers, one account")
    runs = []
    async with (
        server(latency_ms=LATENCY_MS, seed=64, print_ids=64) as running,
        httpx.AsyncClient(base_url=running.url) as http,
    ):
        for name in ("outage", "rate_limit", "rate_limit_additive", "rare"):
            if name == "rate_limit_additive" and plan.mode != "full":
                continue
            for with_ in (True, False) if name != "rate_limit_additive" else (True,):
                progress(f"{name}, {'with' if with_ else 'without'} budget and adaptive rate")
                runs.append(await scenario(running, http, name, size, with_))
    return {
        "benchmark": NAME,
        "mode": plan.mode,
        "settings": {
            "processes": size.processes,
            "callers": size.callers,
            "period_s": PERIOD,
            "latency_ms": LATENCY_MS,
            "rate_limit": RATE_LIMIT,
            "outage_s": list(size.outage),
        },
        "runs": runs,
    }


def section(data: dict[str, Any], *, plot_name: str | None = None) -> str:
    """The results as Markdown: one table, with against without, and the plot."""
    by = {(r["scenario"], r["with"]): r["summary"] for r in data["runs"]}
    s = data["settings"]
    lines = [
        "### 5. Fleet",
        "",
        f"{s['processes']} client processes x {s['callers']} callers (a `get` every "
        f"{s['period_s']} s each), one account, the emulator in its own process "
        f"({s['latency_ms']:.0f} ms latency). *With*: the SDK's defaults (retry budget, "
        "adaptive rate); *without*: `retry_budget=None, rate_limit=None`.",
        "",
        "| scenario | figure | with | without |",
        "| --- | --- | ---: | ---: |",
    ]
    rows = [
        ("outage", "requests per call, budget drained", "requests_per_call", "{:.2f}"),
        ("outage", "last failure after recovery (s)", "recovery_s", "{:.2f}"),
        ("outage", "calls after recovery not first-try", "after_not_first_try", "{:.0f}"),
        ("rate_limit", "successful requests/s", "successes_per_s", "{:.0f}"),
        ("rate_limit", "share of 429s", "share_429", "{:.1%}"),
        ("rate_limit_additive", "successful requests/s", "successes_per_s", "{:.0f}"),
        ("rate_limit_additive", "share of 429s", "share_429", "{:.1%}"),
        ("rare", "call success rate", "success_rate", "{:.2%}"),
        ("rare", "successful calls/s", "calls_per_s", "{:.0f}"),
    ]
    for scenario_name, label, key, form in rows:
        with_ = by.get((scenario_name, True), {}).get(key)
        without = by.get((scenario_name, False), {}).get(key)
        if with_ is None and without is None:
            continue  # not run (the additive comparison runs in the full run only)
        cells = [form.format(v) if v is not None else "-" for v in (with_, without)]
        lines.append(f"| {scenario_name} | {label} | {cells[0]} | {cells[1]} |")
    if plot_name:
        lines += ["", f"![requests, successes and 429s per second over time]({plot_name})"]
    return "\n".join(lines) + "\n"


def plot(data: dict[str, Any], path: Path) -> bool:
    """Requests/s, successes/s and 429s/s over time, one panel per scenario; False
    without matplotlib.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    names = ("outage", "rate_limit", "rare")
    figure, axes = plt.subplots(1, len(names), figsize=(15, 4.2), constrained_layout=True)
    for axis, name in zip(axes, names, strict=True):
        for run_data in (r for r in data["runs"] if r["scenario"] == name):
            style = "-" if run_data["with"] else ":"
            label = "with" if run_data["with"] else "without"
            samples = run_data["samples"][::2]  # half-second steps: less noise
            times, requests, limited = [], [], []
            for before, after in itertools.pairwise(samples):
                dt = after[0] - before[0]
                if dt > 0:
                    times.append(after[0])
                    requests.append((after[1] - before[1]) / dt)
                    limited.append((after[3] - before[3]) / dt)
            ok = run_data["successes"]
            ok_times = [SAMPLE * (i + 1) for i in range(0, len(ok) - 1, 2)]
            ok = [(ok[i] + ok[i + 1]) / (2 * SAMPLE) for i in range(0, len(ok) - 1, 2)]
            axis.plot(times, requests, style, color="tab:blue", label=f"requests/s, {label}")
            axis.plot(ok_times, ok, style, color="tab:green", label=f"successful calls/s, {label}")
            axis.plot(times, limited, style, color="tab:red", label=f"429s/s, {label}")
        outage = next((r["outage_at"] for r in data["runs"] if r["outage_at"]), None)
        if name == "outage" and outage:
            axis.axvspan(outage[0], outage[1], color="0.9", label="outage")
        axis.set_title(name.replace("_", " "))
        axis.set_xlabel("seconds")
        axis.set_ylabel("per second")
        axis.legend(fontsize=7)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
