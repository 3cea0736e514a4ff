"""``pictory-vimeo demo``: the SDK's main job, end to end, with nothing to configure.

Against a local emulator (started on a free loopback port with a fresh random key) it
creates a batch of connections concurrently, lists them across pages, races concurrent
read-modify-writes on one connection, shows a stale version refused, survives injected
faults without applying any write twice, and deletes everything. Against ``--base-url``
it only reads. Every step prints ✓/✗ checks; the exit status is 0 only if all passed.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import time
from collections import Counter
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final

import anyio

from .._client import AsyncPictoryClient
from .._errors import PictoryError, VersionConflictError
from .._models import VimeoConnection
from .._names import emulator_extra_message
from .._optimistic import Mutate, optimistic_update
from .._secret import Secret
from ..resources.vimeo_connections import AsyncVimeoConnections
from ._demo_report import CallCounter, Progress, Report
from ._output import EXIT_API, EXIT_OK, UsageError

if TYPE_CHECKING:
    from ..emulator import RunningEmulator

__all__ = ["add_demo_arguments", "run_demo"]

PAGE_SIZE: Final = 25
CONCURRENCY: Final = 10
WRITERS: Final = 10
FAULTY_WRITES: Final = 4
ERROR_RATE: Final = 0.3
DROP_RATE: Final = 0.2
#: With 30 % injected errors, nine attempts all failing is a 1-in-50,000 event per call.
FAULT_RETRIES: Final = 8
MAX_CONNECTIONS: Final = 1000


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the demo's options."""
    parser.add_argument(
        "--connections",
        type=int,
        default=60,
        metavar="N",
        help="how many connections to create concurrently (default: 60)",
    )
    parser.add_argument(
        "--base-url",
        dest="demo_base_url",
        metavar="URL",
        help="run only the read-only part (list, get) against this server instead",
    )
    parser.add_argument("--seed", type=int, metavar="N", help="seed of the emulator's faults")


def _secret() -> str:
    return secrets.token_urlsafe(24)


async def _create_batch(report: Report, conns: AsyncVimeoConnections, n: int) -> list[str]:
    created: list[VimeoConnection] = []
    limiter = anyio.CapacityLimiter(CONCURRENCY)
    progress = Progress("created", n, report.stream)

    async def create(i: int) -> None:
        async with limiter:
            connection = await conns.create(
                name=f"demo-{i:04d}",
                client_identifier=f"demo-client-{i:04d}",
                client_secret=_secret(),
                access_token=_secret(),
                description="created by pictory-vimeo demo",
            )
        created.append(connection)
        progress.advance()

    try:
        async with anyio.create_task_group() as tg:
            for i in range(n):
                tg.start_soon(create, i)
    finally:
        progress.finish()
    ids = [c.connection_id for c in created]
    report.check(
        len(ids) == n and len(set(ids)) == n and all(c.version == 1 for c in created),
        f"{len(ids)} created, {len(set(ids))} distinct ids, every one at version 1",
    )
    return ids


async def _list_all(
    report: Report, conns: AsyncVimeoConnections, expected: list[str] | None
) -> list[VimeoConnection]:
    listed: list[VimeoConnection] = []
    pages = 0
    async for page in conns.list().pages():
        pages += 1
        listed.extend(page.items)
    ids = [c.connection_id for c in listed]
    report.check(
        len(ids) == len(set(ids)),
        f"{len(ids)} listed across {pages} page{'s' * (pages != 1)}, no duplicates",
    )
    if expected is not None:
        report.check(set(ids) == set(expected), "exactly the connections created, none missing")
    return listed


async def _contend(report: Report, conns: AsyncVimeoConnections, target: str) -> VimeoConnection:
    tokens = [f"t{i:02d}" for i in range(WRITERS)]
    before = await conns.get(target)

    def appender(token: str) -> Mutate:
        def mutate(current: VimeoConnection) -> dict[str, str] | None:
            words = (current.description or "").split()
            # Already there means an earlier try landed unseen: nothing more to do.
            return None if token in words else {"description": " ".join([*words, token])}

        return mutate

    conflicts = report.tally()["conflict"]
    async with anyio.create_task_group() as tg:
        for token in tokens:
            tg.start_soon(_optimistic, conns, target, appender(token))
    conflicts = report.tally()["conflict"] - conflicts
    final = await conns.get(target)
    report.say(f"   {conflicts} version conflicts met on the way, each resolved by a fresh read")
    seen = Counter((final.description or "").split())
    report.check(
        all(seen[token] == 1 for token in tokens),
        f"all {WRITERS} tokens present exactly once: no update was lost or doubled",
    )
    report.check(
        final.version == before.version + WRITERS,
        f"version {before.version} -> {final.version}: exactly one write per writer",
    )
    return final


async def _optimistic(conns: AsyncVimeoConnections, target: str, mutate: Mutate) -> None:
    await optimistic_update(conns, target, mutate, max_attempts=100)


async def _stale(report: Report, conns: AsyncVimeoConnections, current: VimeoConnection) -> None:
    try:
        await conns.update(current.connection_id, version=1, description="stale write")
    except VersionConflictError:
        report.check(True, "an update with stale version 1 was refused: VersionConflictError")
    else:
        report.check(False, "an update with stale version 1 was accepted")
    after = await conns.get(current.connection_id)
    report.check(
        after.version == current.version and after.description == current.description,
        f"nothing changed: still version {after.version}",
    )


async def _under_faults(
    report: Report, served: RunningEmulator, conns: AsyncVimeoConnections, targets: list[str]
) -> None:
    emu = served.emulator
    before = emu.stats()
    created: list[VimeoConnection] = []
    updated: list[VimeoConnection] = []
    emu.set_faults(error_rate=ERROR_RATE, drop_after_commit_rate=DROP_RATE)
    report.say(
        f"   faults on: {ERROR_RATE:.0%} of requests get a 5xx, {DROP_RATE:.0%} of writes "
        f"commit but lose their answer; max_retries={FAULT_RETRIES}"
    )

    async def create(i: int) -> None:
        created.append(
            await conns.create(
                name=f"faulty-{i:04d}",
                client_identifier=f"faulty-client-{i:04d}",
                client_secret=_secret(),
                access_token=_secret(),
            )
        )

    async def update(connection_id: str) -> None:
        updated.append(
            await conns.update(connection_id, version=1, description="updated under faults")
        )

    try:
        async with anyio.create_task_group() as tg:
            for i in range(FAULTY_WRITES):
                tg.start_soon(create, i)
            for connection_id in targets:
                tg.start_soon(update, connection_id)
    finally:
        emu.set_faults(error_rate=0.0, drop_after_commit_rate=0.0)
    stats = emu.stats()
    report.say(
        f"   injected {stats['errors'] - before['errors']} server errors and "
        f"{stats['dropped'] - before['dropped']} dropped answers; faults off again"
    )
    names = Counter(c.name for c in [c async for c in conns.list()])
    report.check(
        len(created) == FAULTY_WRITES
        and all(names[f"faulty-{i:04d}"] == 1 for i in range(FAULTY_WRITES)),
        f"all {FAULTY_WRITES} creates succeeded, each connection exists exactly once",
    )
    now = [await conns.get(connection_id) for connection_id in targets]
    report.check(
        len(updated) == len(targets)
        and all(c.version == 2 and c.description == "updated under faults" for c in now),
        f"all {len(targets)} updates succeeded, each applied once (version 1 -> 2)",
    )


async def _delete_all(report: Report, conns: AsyncVimeoConnections) -> None:
    ids = [c.connection_id async for c in conns.list()]
    limiter = anyio.CapacityLimiter(CONCURRENCY)
    progress = Progress("deleted", len(ids), report.stream)

    async def delete(connection_id: str) -> None:
        async with limiter:
            await conns.delete(connection_id)
        progress.advance()

    try:
        async with anyio.create_task_group() as tg:
            for connection_id in ids:
                tg.start_soon(delete, connection_id)
    finally:
        progress.finish()
    left = (await conns.list()).items
    report.check(not left, f"{len(ids)} deleted; the list is empty")


async def _emulator_story(
    report: Report, emulator: ModuleType, n: int, seed: int, client_options: dict[str, Any]
) -> None:
    key = "pictai_demo_" + secrets.token_hex(16)
    async with emulator.running(page_size=PAGE_SIZE, seed=seed) as served:
        report.say(
            f"Emulator at {served.base_url} ({PAGE_SIZE} connections per page, fault seed "
            f"{seed}), a fresh random API key"
        )
        report.say()
        async with AsyncPictoryClient(
            api_key=key, base_url=served.base_url, **client_options
        ) as client:
            conns = client.vimeo_connections
            with report.step(1, f"Create {n} connections, {CONCURRENCY} at a time", "create"):
                ids = await _create_batch(report, conns, n)
            with report.step(2, "List them all with `async for`, page by page", "list"):
                await _list_all(report, conns, ids)
            with report.step(
                3, f"{WRITERS} concurrent optimistic_update()s on one connection", "contend"
            ):
                final = await _contend(report, conns, ids[0])
            with report.step(4, "An update with a stale version", "stale version"):
                await _stale(report, conns, final)
            faulty = client.with_options(max_retries=FAULT_RETRIES).vimeo_connections
            with report.step(5, "Creates and updates while the server misbehaves", "faults"):
                await _under_faults(report, served, faulty, ids[1 : 1 + FAULTY_WRITES])
            with report.step(6, "Delete everything", "delete"):
                await _delete_all(report, conns)


async def _read_only_story(report: Report, client: AsyncPictoryClient) -> None:
    report.say(f"Read-only demo against {client.base_url}: nothing is created or changed")
    report.say()
    conns = client.vimeo_connections
    with report.step(1, "List every connection with `async for`, page by page", "list"):
        listed = await _list_all(report, conns, None)
    with report.step(2, "Get one connection by its id", "get"):
        if not listed:
            report.check(True, "the account has no connections: nothing to get")
            return
        first = listed[0]
        got = await conns.get(first.connection_id)
        report.check(
            got.connection_id == first.connection_id and got.name == first.name,
            f"got {got.connection_id} ({got.name!r}, version {got.version})",
        )


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    found: list[BaseException] = []
    for error in group.exceptions:
        found.extend(_leaves(error) if isinstance(error, BaseExceptionGroup) else [error])
    return found


def run_demo(
    args: argparse.Namespace,
    emulator: ModuleType | None,
    api_key: Secret[str | None],
    client_options: dict[str, Any],
) -> int:
    """Run the demo; 0 only if every check passed (``api_key`` masked: see ``_secret``)."""
    if not 1 <= args.connections <= MAX_CONNECTIONS:
        raise UsageError(f"--connections must be from 1 to {MAX_CONNECTIONS}")
    base_url = args.demo_base_url or args.base_url
    if base_url is None and emulator is None:
        raise UsageError(
            emulator_extra_message("the demo (it runs the local emulator)")
            + " (or pass --base-url and a real API key)"
        )
    if base_url is not None and not api_key.reveal():
        raise UsageError("the read-only demo needs an API key: set $PICTORY_API_KEY")
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    counter = CallCounter()
    report = Report(counter, sys.stdout)
    started = time.perf_counter()

    async def story() -> None:
        if base_url is None:
            assert emulator is not None
            await _emulator_story(report, emulator, args.connections, seed, client_options)
            return
        async with AsyncPictoryClient(
            api_key=api_key.reveal(), base_url=base_url, **client_options
        ) as client:
            await _read_only_story(report, client)

    with counter.installed():
        try:
            anyio.run(story)
        except PictoryError as error:
            report.fail(f"stopped: {error}")
        except BaseExceptionGroup as group:
            matched, rest = group.split(PictoryError)
            if rest is not None or matched is None:
                raise
            for leaf in _leaves(matched):
                report.fail(f"stopped: {leaf}")
    report.summary(time.perf_counter() - started)
    return EXIT_OK if report.failures == 0 and report.checks else EXIT_API
