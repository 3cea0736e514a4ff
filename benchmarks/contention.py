"""4. Contention: 4, 16 and 64 concurrent ``optimistic_update`` calls on one connection.

Each writer adds its own token to the connection's description with
``pv.optimistic_update`` (default settings); every writer must succeed and every token must
be there at the end (no update lost, none applied twice). Reported: updates/s and the
attempts (PUTs sent) per successful update, which grow with the number of writers.
"""

from __future__ import annotations

from typing import Any

import pictory_vimeo as pv

from ._harness import API_KEY, Sample, describe, heading, progress, run_workers, server
from ._plan import Plan

NAME = "contention"
LABEL = "SDK optimistic_update, transport=auto"


def _token(writer: int) -> str:
    return f"{writer:02x}"  # 64 writers: 64 * 3 characters, within the 250 allowed


async def one_round(url: str, target: str, writers: int, round_number: int) -> Sample:
    """Reset the description, race ``writers`` updates, check that each landed once."""
    attempts = [0] * writers
    failed: dict[int, str] = {}
    async with pv.AsyncPictoryClient(api_key=API_KEY, base_url=url) as client:
        conns = client.vimeo_connections
        current = await conns.get(target)
        await conns.update(target, version=current.version, description="")

        async def writer(index: int) -> None:
            token = _token(index)

            def mutate(now: pv.VimeoConnection) -> dict[str, str] | None:
                words = (now.description or "").split()
                if token in words:
                    return None
                attempts[index] += 1
                return {"description": " ".join([*words, token])}

            try:
                await pv.optimistic_update(conns, target, mutate)
            except pv.PictoryError as exc:
                failed[index] = describe(exc)

        wall, cpu = await run_workers(writer, writers)
        final = (await conns.get(target)).description or ""
    words = final.split()
    lost = [i for i in range(writers) if _token(i) not in words]
    twice = [i for i in range(writers) if words.count(_token(i)) > 1]
    silently_lost = [i for i in lost if i not in failed]
    example = next(iter(failed.values()), "")
    if silently_lost or twice:
        example = f"lost {len(silently_lost)}, applied twice {len(twice)}; {example}".rstrip("; ")
    ok = writers - len(failed)
    return Sample(
        "sdk-optimistic",
        str(writers),
        round_number,
        ok,
        len(failed) + len(silently_lost) + len(twice),
        wall,
        cpu,
        ok,
        example,
        extra={"attempts_per_update": sum(attempts) / ok if ok else float("nan")},
    )


async def run(plan: Plan, backend: str) -> dict[str, Any]:
    """Every writer count, every round."""
    heading(
        f"contention ({backend}): optimistic_update on one connection, "
        f"{plan.contention_latency_ms:g} ms latency"
    )
    samples: list[Sample] = []
    async with server(latency_ms=plan.contention_latency_ms, seed=1) as srv:
        target = srv.ids[0]
        for writers in plan.writers:
            for round_number in range(1, plan.rounds + 1):
                sample = await one_round(srv.url, target, writers, round_number)
                samples.append(sample)
                errors = (
                    f", {sample.errors} failed ({sample.error_example})" if sample.errors else ""
                )
                progress(
                    f"{writers} writers · round {round_number}/{plan.rounds}: "
                    f"{sample.per_second:,.1f} updates/s, "
                    f"{sample.extra['attempts_per_update']:.2f} attempts per update{errors}"
                )
    return {
        "benchmark": NAME,
        "backend": backend,
        "mode": plan.mode,
        "settings": {
            "writers": list(plan.writers),
            "latency_ms": plan.contention_latency_ms,
            "rounds": plan.rounds,
            "max_attempts": 10,
            "server_pinned": srv.pinned,
        },
        "contenders": [{"key": "sdk-optimistic", "label": LABEL}],
        "skipped": [],
        "samples": [s.as_json() for s in samples],
    }
