"""How one round is measured: the ``Contender`` interface, the loops that drive it, samples.

Every contender shares one interface (:class:`Contender`: ``setup``/``call``/``teardown``)
and one measuring loop (:func:`measure`): ``N`` tasks call in a loop for a fixed time or
a fixed count, errors are counted, and the process's CPU time is read around the measured
window. Every round's result is kept as a :class:`Sample`, so the report can give medians
with min-max and the JSON keeps the raw figures.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field
from typing import Any

import anyio
import anyio.lowlevel

__all__ = ["Contender", "Sample", "describe", "measure", "run_workers"]


class Contender:
    """One way of making the call under test; the harness drives every one the same way.

    ``setup(concurrency)`` builds the client (its own pool, sized for ``concurrency``);
    ``call(worker)`` makes one call and raises on failure; ``teardown()`` closes it.
    A ``blocking`` contender makes its calls with ``call_blocking`` instead, one at a time.
    """

    #: Short, stable identifier (JSON keys, plot legend order).
    key: str = ""
    #: How tables and the plot name it.
    label: str = ""
    #: Blocking client (e.g. requests): runs at concurrency 1 only.
    blocking: bool = False
    #: Sends over httpx's own pool (httpcore).
    httpx_pool: bool = False

    async def setup(self, concurrency: int) -> None:
        """Build the client for ``concurrency`` workers."""

    async def call(self, worker: int) -> None:
        """One call by ``worker``; raises on failure."""
        raise NotImplementedError

    def call_blocking(self, worker: int) -> None:
        """One blocking call (``blocking`` contenders only)."""
        raise NotImplementedError

    async def teardown(self) -> None:
        """Close the client."""


@dataclass
class Sample:
    """One round of one contender at one point (a concurrency level, an operation ...)."""

    contender: str
    point: str
    round: int
    #: Successful calls (or items, or updates) in the measured window.
    count: int
    errors: int
    wall_s: float
    cpu_s: float
    #: The calls ``cpu_s`` was spent on (timed runs also finish the calls in flight).
    cpu_count: int
    error_example: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        """Successful calls per second of wall time."""
        return self.count / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def cpu_us_per_call(self) -> float:
        """Client CPU time per successful call, in microseconds."""
        return self.cpu_s / self.cpu_count * 1e6 if self.cpu_count else float("nan")

    def as_json(self) -> dict[str, Any]:
        """The sample as stored in ``results/<name>.json``."""
        return asdict(self)


def describe(exc: BaseException) -> str:
    """A short description of an error, for the table's flag and the JSON."""
    return f"{type(exc).__name__}: {exc}"[:200]


async def measure(
    contender: Contender,
    concurrency: int,
    *,
    point: str,
    round_number: int,
    duration: float | None = None,
    warmup_seconds: float = 0.5,
    count: int | None = None,
    warmup_calls: int = 1,
) -> Sample:
    """One round of ``contender`` with ``concurrency`` workers: set up, measure, tear down.

    Timed (``duration``): the workers call in a loop throughout; after ``warmup_seconds``
    a window of ``duration`` seconds opens, and the calls that end inside it are counted
    against it, with the CPU time the process spent in it (a steady state: the workers
    are never restarted in step). Counted (``count``): after ``warmup_calls`` calls per
    worker, the workers share ``count`` calls; CPU and wall time cover them all. Errors
    are counted from the first call to the last, warm-up included.
    """
    if (duration is None) == (count is None):
        raise ValueError("give either duration or count")
    await contender.setup(concurrency)
    try:
        if contender.blocking:
            return _blocking(contender, point, round_number, duration, warmup_seconds, count)
        if duration is not None:
            return await _timed(
                contender, concurrency, point, round_number, duration, warmup_seconds
            )
        assert count is not None
        return await _counted(contender, concurrency, point, round_number, count, warmup_calls)
    finally:
        await contender.teardown()


@dataclass
class _Tally:
    done: int = 0
    errors: int = 0
    example: str = ""

    def failed(self, exc: Exception) -> None:
        self.errors += 1
        self.example = self.example or describe(exc)

    async def failed_call(self, exc: Exception) -> None:
        """Count a worker's failed call, then yield to the other workers."""
        self.failed(exc)
        # a call can fail before it ever yields: without this, its worker calling again and
        # again would keep the other workers from running
        await anyio.lowlevel.checkpoint()

    def sample(
        self, contender: Contender, point: str, round_number: int, wall: float, cpu: float
    ) -> Sample:
        """The round's sample: the calls done, over ``wall`` seconds and ``cpu`` of CPU."""
        return Sample(
            contender.key,
            point,
            round_number,
            self.done,
            self.errors,
            wall,
            cpu,
            self.done,
            self.example,
        )


#: How long calls still in flight when a timed window closes may take to finish (they
#: are not counted either way; past this they are cancelled).
_GRACE_SECONDS = 1.0


async def _timed(
    contender: Contender,
    concurrency: int,
    point: str,
    round_number: int,
    duration: float,
    warmup: float,
) -> Sample:
    tally = _Tally()
    opened = closed = float("inf")
    stop = False
    running = concurrency
    all_done = anyio.Event()
    cpu = 0.0

    async def worker(index: int) -> None:
        nonlocal running
        try:
            while not stop:
                try:
                    await contender.call(index)
                except Exception as exc:
                    await tally.failed_call(exc)
                else:
                    if opened <= time.perf_counter() <= closed:
                        tally.done += 1
        finally:
            running -= 1
            if not running:
                all_done.set()

    async with anyio.create_task_group() as group:

        async def clock() -> None:
            nonlocal opened, closed, stop, cpu
            await anyio.sleep(warmup)
            cpu = time.process_time()
            opened = time.perf_counter()
            await anyio.sleep(duration)
            closed = time.perf_counter()
            cpu = time.process_time() - cpu
            stop = True
            with anyio.move_on_after(_GRACE_SECONDS):
                await all_done.wait()
            group.cancel_scope.cancel()  # calls stuck past the grace: not counted anyway

        gc.collect()
        for index in range(concurrency):
            group.start_soon(worker, index)
        group.start_soon(clock)
    window = closed - opened
    return tally.sample(contender, point, round_number, window, cpu)


async def _counted(
    contender: Contender,
    concurrency: int,
    point: str,
    round_number: int,
    count: int,
    warmup: int,
) -> Sample:
    tally = _Tally()
    left = count

    async def warm(index: int) -> None:
        for _ in range(warmup):
            try:
                await contender.call(index)
            except Exception as exc:
                tally.failed(exc)

    async def worker(index: int) -> None:
        nonlocal left
        while left > 0:
            left -= 1
            try:
                await contender.call(index)
            except Exception as exc:
                await tally.failed_call(exc)
            else:
                tally.done += 1

    async with anyio.create_task_group() as group:
        for index in range(concurrency):
            group.start_soon(warm, index)
    gc.collect()
    wall, cpu = await run_workers(worker, concurrency)
    return tally.sample(contender, point, round_number, wall, cpu)


async def run_workers(
    worker: Callable[[int], Coroutine[Any, Any, None]], concurrency: int
) -> tuple[float, float]:
    """Run ``worker(0..concurrency-1)`` at once, to the end; the wall and CPU seconds taken."""
    cpu = time.process_time()
    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for index in range(concurrency):
            group.start_soon(worker, index)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    return wall, cpu


def _blocking(
    contender: Contender,
    point: str,
    round_number: int,
    duration: float | None,
    warmup: float,
    count: int | None,
) -> Sample:
    """A blocking client, one call after another: warm up, then time or count calls."""
    tally = _Tally()

    def one() -> None:
        try:
            contender.call_blocking(0)
        except Exception as exc:
            tally.failed(exc)
        else:
            tally.done += 1

    until = time.perf_counter() + warmup
    while time.perf_counter() < until:
        one()
    tally.done = 0
    gc.collect()
    cpu = time.process_time()
    started = time.perf_counter()
    if duration is not None:
        until = started + duration
        while time.perf_counter() < until:
            one()
    else:
        for _ in range(count or 0):
            one()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    return tally.sample(contender, point, round_number, wall, cpu)
