"""Peak memory of walking a listing: run as a script, in a fresh process per measurement.

``python benchmarks/_rss.py --url URL --items N`` iterates the first N connections with
``async for`` (read-ahead on, as ``async with`` gives) and prints one JSON line: the items
seen, the peak RSS before the walk (the interpreter and its imports) and after it, in KiB
(``getrusage(RUSAGE_SELF).ru_maxrss``), and the seconds the walk took.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import anyio

import pictory_vimeo as pv


def _peak_kib() -> int:
    """This process's peak RSS in KiB.

    Linux: ``VmHWM``, the peak of this process's own memory. ``ru_maxrss`` is the same
    figure, except that after a fork and exec it starts from the parent's peak (the
    kernel carries the pre-exec peak over), which would hide the walk behind the
    benchmark runner's own size; elsewhere ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS counts bytes


async def walk(url: str, api_key: str, items: int) -> dict[str, float]:
    """Iterate ``items`` connections; what it cost."""
    async with pv.AsyncPictoryClient(api_key=api_key, base_url=url) as client:
        await client.vimeo_connections.list_page()  # the pool and its imports, before the walk
        before = _peak_kib()
        started = time.perf_counter()
        seen = 0
        async for _ in client.vimeo_connections.list(limit=items):
            seen += 1
        seconds = time.perf_counter() - started
    return {
        "items": seen,
        "before_kib": before,
        "peak_kib": _peak_kib(),
        "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    """Walk, print the JSON line."""
    parser = argparse.ArgumentParser(prog="benchmarks/_rss.py", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--api-key", default="pictai_benchmark")
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    args = parser.parse_args(argv)
    result = anyio.run(walk, args.url, args.api_key, args.items, backend=args.backend)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
