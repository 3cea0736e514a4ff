"""Cancellation: a thousand calls cut off at random points (connecting, sending, waiting,
reading, retrying) leave a pool that serves new calls, no socket beyond the pool's own (none
once the client is closed), and nothing for the collector to warn about. The same for the
sync client when the thread calling it is interrupted.
"""

from __future__ import annotations

import collections
import random
import signal
import statistics
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Final, Literal, cast
from urllib.parse import urlsplit

import anyio
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import Pool
from tests.faults._support import KEY, PAGE_SIZE, SEED
from tests.faults.leaks import LeakWatch, client_sockets, needs_proc

CONCURRENCY: Final = 32
SEEDED: Final = 12
#: One call in this many of the cut-off run is left uncut, to time the calls of the moment.
UNCUT_EVERY: Final = 10
KINDS: Final = ("get", "create", "update", "delete", "list_page", "list")


def port_of(base_url: str) -> int:
    port = urlsplit(base_url).port
    assert port is not None
    return port


class Calls:
    """One random call of each kind on demand, on connections only these calls touch."""

    def __init__(self, conns: pv.AsyncVimeoConnections) -> None:
        self.conns = conns
        self.seeded: list[str] = []
        self.made: list[str] = []
        self._names = 0

    async def seed(self) -> None:
        for _ in range(SEEDED):
            await self.create()
        self.seeded, self.made = self.made, []

    async def create(self) -> None:
        number, self._names = self._names, self._names + 1
        made = await self.conns.create(
            name=f"Cut {number:05d}", client_identifier="c", client_secret="s", access_token="t"
        )
        self.made.append(made.connection_id)

    async def call(self, kind: str, rng: random.Random) -> None:
        conns = self.conns
        if kind == "create" or (kind == "delete" and not self.made):
            await self.create()
        elif kind == "get":
            await conns.get(rng.choice(self.seeded))
        elif kind == "update":
            text = f"cut {rng.randrange(10**6)}"
            await pv.optimistic_update(
                conns, rng.choice(self.seeded), lambda _: {"description": text}, max_attempts=50
            )
        elif kind == "delete":
            await conns.delete(self.made.pop(rng.randrange(len(self.made))))
        elif kind == "list_page":
            await conns.list_page()
        else:
            async for _ in conns.list(limit=3 * PAGE_SIZE):
                pass


async def cut_calls(total: int, sdk_transport: Pool) -> str:
    """``total`` calls cut off at random points; then the pool serves twice its size at once."""
    rng = random.Random(f"{SEED}-cancel")
    counts: collections.Counter[str] = collections.Counter()
    unexpected: list[str] = []
    async with emulator.running(page_size=PAGE_SIZE, seed=SEED) as served:
        port = port_of(served.base_url)
        assert client_sockets(port) == collections.Counter()
        with LeakWatch() as watch:
            client = pv.AsyncPictoryClient(
                KEY,
                served.base_url,
                transport=sdk_transport,
                max_retries=10,
                max_concurrency=CONCURRENCY,
            )
            async with client:
                calls = Calls(client.vimeo_connections)
                await calls.seed()
                served.emulator.set_faults(
                    latency_jitter_ms=4, error_rate=0.1, drop_after_commit_rate=0.05
                )
                limit = anyio.Semaphore(CONCURRENCY)
                # How long an uncut call takes here, under the load of the moment: the last
                # ones measured. Cuts fall within twice their median, so that the load of the
                # machine, which changes while the test runs, does not change the mix of cut
                # and finished calls.
                durations: collections.deque[float] = collections.deque(maxlen=2 * CONCURRENCY)

                async def timed(kind: str) -> None:
                    async with limit:
                        began = anyio.current_time()
                        await calls.call(kind, rng)
                        durations.append(anyio.current_time() - began)

                async with anyio.create_task_group() as tasks:
                    for index in range(2 * CONCURRENCY):
                        tasks.start_soon(timed, KINDS[index % len(KINDS)])

                def cut_within() -> float:
                    return 2 * statistics.median(durations)

                async def cut(kind: str, share: float) -> None:
                    async with limit:
                        within = share * cut_within()
                        try:
                            with anyio.move_on_after(within) as scope:
                                await calls.call(kind, rng)
                        except pv.PictoryError as error:
                            unexpected.append(f"{kind}: {type(error).__name__}: {error}")
                        counts["cut" if scope.cancelled_caught else "finished"] += 1

                started = time.perf_counter()
                async with anyio.create_task_group() as tasks:
                    for index in range(total):
                        if index % UNCUT_EVERY == 0:  # keeps measuring an uncut call
                            tasks.start_soon(timed, rng.choice(KINDS))
                        tasks.start_soon(cut, rng.choice(KINDS), rng.uniform(0, 1))
                elapsed = time.perf_counter() - started
                served.emulator.set_faults(
                    latency_jitter_ms=0, error_rate=0, drop_after_commit_rate=0
                )

                async def answered(cid: str) -> None:
                    await client.vimeo_connections.get(cid, max_retries=0)

                # The pool is whole: as many calls as it has room for, and more, all answered.
                with anyio.fail_after(20):
                    async with anyio.create_task_group() as tasks:
                        for index in range(2 * CONCURRENCY):
                            tasks.start_soon(answered, calls.seeded[index % SEEDED])
                in_use = client_sockets(port)
            # Closing the client closes every socket it opened, at once: no waiting for them.
            after_close = client_sockets(port)
        stats = served.emulator.stats()
    summary = (
        f"{counts['cut']} of {total} calls cut off within {cut_within() * 1000:.0f} ms, "
        f"{counts['finished']} finished first, in {elapsed:.1f} s | server: "
        f"{stats['requests']} requests, {stats['errors']} 5xx, {stats['dropped']} dropped | "
        f"sockets: {dict(in_use)} in the pool afterwards, {dict(after_close)} after close | "
        f"{len(watch.problems)} warnings"
    )
    print(f"\ncancellation: {summary}")
    assert unexpected == []
    assert counts["cut"] >= total // 4
    assert counts["finished"] >= total // 10
    assert sum(in_use.values()) <= CONCURRENCY
    assert after_close == collections.Counter(), "the closed client left sockets open"
    assert watch.problems == []
    return summary


@needs_proc
@pytest.mark.anyio
async def test_a_thousand_cancelled_calls_leave_the_pool_whole(sdk_transport: Pool) -> None:
    """1,000 calls cut off at random points; then the pool serves 64 calls at once."""
    await cut_calls(1000, sdk_transport)


@needs_proc
@pytest.mark.anyio
@pytest.mark.soak
@pytest.mark.timeout(900)
async def test_ten_thousand_cancelled_calls_leave_the_pool_whole(sdk_transport: Pool) -> None:
    """10,000 calls cut off at random points; then the pool serves 64 calls at once."""
    await cut_calls(10_000, sdk_transport)


class _Interrupted(BaseException):
    """What the signal handler raises in the calling thread, as Ctrl-C raises KeyboardInterrupt."""


class Interrupter:
    """Interrupts the main thread once, ``delay`` seconds from now, unless disarmed first."""

    def __init__(self) -> None:
        self.armed = False
        self._previous: Callable[..., object] | int | None = None

    def __enter__(self) -> Interrupter:
        self._previous = signal.signal(signal.SIGUSR1, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        self.armed = False
        signal.signal(signal.SIGUSR1, signal.SIG_DFL if self._previous is None else self._previous)

    def _handle(self, signum: int, frame: object) -> None:
        if self.armed:
            self.armed = False
            raise _Interrupted

    def run(self, call: Callable[[], object], delay: float) -> bool:
        """Run ``call``, interrupted after ``delay`` seconds; whether it was interrupted."""
        main = threading.main_thread().ident
        assert main is not None
        timer = threading.Timer(delay, signal.pthread_kill, (main, signal.SIGUSR1))
        try:
            try:
                self.armed = True
                timer.start()
                call()
            finally:
                timer.cancel()
                timer.join()
                self.armed = False
        except _Interrupted:
            return True
        return False


def interrupt_calls(
    total: int, served: emulator.RunningEmulator, loop_and_pool: tuple[str, str]
) -> str:
    """``total`` sync calls interrupted at random points; then the client serves and closes."""
    backend = cast(Literal["asyncio", "trio"], loop_and_pool[0])
    pool = cast(Pool, loop_and_pool[1])
    port = port_of(served.base_url)
    rng = random.Random(f"{SEED}-interrupt")
    counts: collections.Counter[str] = collections.Counter()
    threads_before = set(threading.enumerate())
    assert client_sockets(port) == collections.Counter()
    with LeakWatch() as watch, Interrupter() as interrupter:
        client = pv.PictoryClient(
            KEY,
            served.base_url,
            backend=backend,
            transport=pool,
            max_retries=10,
        )
        with client:
            conns = client.vimeo_connections
            seeded = [
                conns.create(
                    name=f"Interrupted {n}",
                    client_identifier="c",
                    client_secret="s",
                    access_token="t",
                ).connection_id
                for n in range(SEEDED)
            ]
            served.emulator.set_faults(latency_jitter_ms=4, error_rate=0.1)
            durations = []
            for cid in seeded:
                began = time.perf_counter()
                conns.get(cid)
                durations.append(time.perf_counter() - began)
            cut_within = 2 * sorted(durations)[len(durations) // 2]

            def update(cid: str) -> None:
                text = f"cut {rng.randrange(10**6)}"
                pv.optimistic_update(conns, cid, lambda _: {"description": text})

            def listing() -> None:
                for _ in conns.list(limit=3 * PAGE_SIZE):
                    pass

            def get(cid: str) -> None:
                conns.get(cid)

            made = iter(range(10**6))

            def create(_: str) -> None:
                name = f"Interrupted create {next(made)}"
                conns.create(name=name, client_identifier="c", client_secret="s", access_token="t")

            calls: list[Callable[[str], None]] = [get, update, create, lambda _: listing()]
            started = time.perf_counter()
            for _ in range(total):
                call = partial(rng.choice(calls), rng.choice(seeded))
                cut = interrupter.run(call, rng.uniform(0, cut_within))
                counts["cut" if cut else "finished"] += 1
            elapsed = time.perf_counter() - started
            served.emulator.set_faults(latency_jitter_ms=0, error_rate=0)
            assert [conns.get(cid, max_retries=0).connection_id for cid in seeded] == seeded
            in_use = client_sockets(port)
        after_close = client_sockets(port)
    summary = (
        f"{counts['cut']} of {total} calls interrupted within {cut_within * 1000:.0f} ms, "
        f"{counts['finished']} finished first, in {elapsed:.1f} s | sockets: {dict(in_use)} "
        f"in the pool afterwards, {dict(after_close)} after close | "
        f"{len(watch.problems)} warnings"
    )
    print(f"\nsync interruption ({backend}, {pool}): {summary}")
    assert counts["cut"] >= total // 6
    assert counts["finished"] >= total // 15
    assert set(threading.enumerate()) - threads_before == set(), "a thread outlived the client"
    assert after_close == collections.Counter(), "the closed client left sockets open"
    assert watch.problems == []
    return summary


_MAIN_THREAD_ONLY = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signals reach the main thread only",
)


@needs_proc
@_MAIN_THREAD_ONLY
def test_interrupted_sync_calls_leave_the_pool_whole(
    served_in_thread: emulator.RunningEmulator, loop_and_pool: tuple[str, str]
) -> None:
    """200 sync calls interrupted at random points; then the client serves calls and closes."""
    interrupt_calls(200, served_in_thread, loop_and_pool)


@needs_proc
@_MAIN_THREAD_ONLY
@pytest.mark.soak
@pytest.mark.timeout(900)
def test_a_thousand_interrupted_sync_calls_leave_the_pool_whole(
    served_in_thread: emulator.RunningEmulator, loop_and_pool: tuple[str, str]
) -> None:
    """1,000 sync calls interrupted at random points; then the client serves and closes."""
    interrupt_calls(1000, served_in_thread, loop_and_pool)
