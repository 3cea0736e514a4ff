"""Regressions over real loopback HTTP, on every pool: bugs that came from one call's work
being spread over several modules, each pinned by the case that showed it.

- A secrets-only update (``connections update --rotate-secrets``) whose first attempt got a
  503 and was not applied, while another writer updated the connection, was reported as a
  success: the re-read showed version + 1 and nothing readable had been sent to compare.
- Reconciliation ignored the call's deadline: it listed the whole account (or re-read the
  connection) with a fresh deadline per request, so the overrun grew with the account.
- ``create`` could claim someone else's connection: a same-named one with the same
  readable fields but other secrets, created before our call, was returned as ours. (These
  tests come last: the connections they meet are made as the module starts, and must be
  a second or two old by then.)
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final

import anyio
import attrs
import httpx
import pytest
from anyio.from_thread import start_blocking_portal

import pictory_vimeo as pv
from pictory_vimeo import emulator
from pictory_vimeo.emulator import fingerprint
from tests._support import LOOPS_AND_POOLS, PATH, MakeClient, Pool
from tests.retries._support import OnSdkLog

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

OURS: Final[dict[str, Any]] = {
    "client_secret": "our-client-secret",
    "access_token": "our-access-token",
}
THEIRS: Final[dict[str, Any]] = {
    "clientSecret": "their-client-secret",
    "accessToken": "their-access-token",
}
#: The readable fields both creates send.
FIELDS: Final[dict[str, Any]] = {
    "clientIdentifier": "shared-client-id",
    "description": "Team",
    "enabled": True,
}


def other_writer(base_url: str, api_key: str) -> httpx.Client:
    """A second client of the account, blocking: it can act from inside an SDK log hook,
    while the emulator's server thread answers it.
    """
    return httpx.Client(base_url=base_url, headers={"Authorization": api_key})


def create_directly(http: httpx.Client, name: str, **fields: Any) -> dict[str, Any]:
    """Create a connection over raw HTTP; its stored JSON."""
    body = {"name": name, **FIELDS, **THEIRS, **fields}
    response = http.post(PATH, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def write_directly(http: httpx.Client, connection_id: str, **fields: Any) -> None:
    """Update the current version of a connection over raw HTTP."""
    current = http.get(f"{PATH}/{connection_id}").json()
    response = http.put(f"{PATH}/{connection_id}", json={"version": current["version"], **fields})
    assert response.status_code == 200, response.text


def stored(served: emulator.RunningEmulator, api_key: str) -> list[dict[str, object]]:
    """The account's stored connections, secrets as fingerprints."""
    return served.emulator.connections(api_key)


# --- 1. A secrets-only update after an unapplied 503 and another writer's update ----------


@pytest.fixture
async def rotated(
    served: emulator.RunningEmulator, api_key: str, on_sdk_log: OnSdkLog
) -> AsyncIterator[str]:
    """A connection whose next PUT is answered 503 unapplied; while the SDK waits to retry
    it, another client updates the connection's description. Yields its ID.
    """
    with other_writer(served.base_url, api_key) as http:
        cid = str(create_directly(http, "Rotated")["connectionId"])
        served.emulator.fail_next(503, method="PUT")
        turns: list[logging.LogRecord] = []

        def another_writer_updates(record: logging.LogRecord) -> None:
            if getattr(record, "pictory_method", None) == "PUT" and not turns:
                turns.append(record)
                write_directly(http, cid, description="theirs")

        on_sdk_log("retry", another_writer_updates)
        yield cid
        assert turns, "the other writer never had its turn"


async def test_secrets_only_update_after_an_unapplied_503_and_another_write_is_not_a_success(
    served: emulator.RunningEmulator, make_client: MakeClient, api_key: str, rotated: str
) -> None:
    """The re-read shows version + 1, but nothing sent can be read back to prove it was ours:
    the outcome is unknown, so the SDK raises instead of reporting a success, and indeed
    our secrets were never stored.
    """
    conns = make_client().vimeo_connections
    with pytest.raises(pv.VersionConflictError, match="outcome is unknown"):
        await conns.update(rotated, version=1, **OURS)
    [connection] = stored(served, api_key)
    assert (connection["version"], connection["description"]) == (2, "theirs")
    assert connection["clientSecret"] == fingerprint(THEIRS["clientSecret"])
    assert connection["accessToken"] == fingerprint(THEIRS["accessToken"])
    puts = [r.status for r in served.emulator.requests if r.method == "PUT"]
    assert puts == [503, 200, 409]  # ours, the other writer's, our retry


async def test_optimistic_secret_rotation_after_an_unapplied_503_stores_exactly_ours(
    served: emulator.RunningEmulator, make_client: MakeClient, api_key: str, rotated: str
) -> None:
    """optimistic_update meets the same unknown outcome as a version conflict: it re-reads,
    calls mutate again and writes again, so exactly our secrets end up stored.
    """
    conns = make_client().vimeo_connections
    calls: list[int] = []

    def rotate(current: pv.VimeoConnection) -> dict[str, str]:
        calls.append(current.version)
        return dict(OURS)

    result = await pv.optimistic_update(conns, rotated, rotate)
    assert calls == [1, 2]
    assert result.version == 3
    [connection] = stored(served, api_key)
    assert (connection["version"], connection["description"]) == (3, "theirs")
    assert connection["clientSecret"] == fingerprint(OURS["client_secret"])
    assert connection["accessToken"] == fingerprint(OURS["access_token"])


# --- 2. Reconciliation within the call's deadline -----------------------------------------

#: The deadline of each call below: the first attempt, at full speed, has 0.6 s of it or
#: more before the answers slow down, room that a loaded machine still leaves.
TIMEOUT: Final = 1.4
#: An account of 400 connections read 25 to a page at 100 ms a page: 17 pages, 1.7 s, to
#: reach ours, the last; with a fresh deadline per page the call ended well past its own.
ACCOUNT_SIZE: Final = 400
PAGE_LATENCY_MS: Final = 100


@pytest.fixture
def slow_from_the_first_retry(
    served: emulator.RunningEmulator, on_sdk_log: OnSdkLog
) -> Callable[[float], None]:
    """``slow_from_the_first_retry(ms)``: every answer after the first retry's wait takes
    ``ms``. The first attempt stays quick, so that wait (jittered up to 0.5 s) always fits
    in the deadline.
    """

    def arrange(latency_ms: float) -> None:
        def slow_down(record: logging.LogRecord) -> None:
            served.emulator.set_faults(latency_ms=latency_ms)

        on_sdk_log("retry", slow_down)

    return arrange


async def test_create_reconciliation_gives_up_at_the_calls_deadline(
    served: emulator.RunningEmulator,
    make_client: MakeClient,
    api_key: str,
    page_size: int,
    slow_from_the_first_retry: Callable[[float], None],
    drop_kind: emulator.DropKind,
) -> None:
    """After a dropped answer, the listing that looks for our connection shares the call's
    one deadline: when it passes, APITimeoutError says the write's outcome is unknown.
    """
    assert page_size == 25
    headers = {"Authorization": api_key}
    async with httpx.AsyncClient(
        transport=served.emulator.transport(), base_url="http://localhost", headers=headers
    ) as seeder:  # in process: the same store, without the HTTP round trips
        for number in range(ACCOUNT_SIZE):
            body = {"name": f"Seed {number:03d}", **FIELDS, **THEIRS}
            assert (await seeder.post(PATH, json=body)).status_code == 201
    served.emulator.fail_next(method="POST", drop_after_commit=True, drop=drop_kind)
    slow_from_the_first_retry(PAGE_LATENCY_MS)
    conns = make_client(timeout=TIMEOUT).vimeo_connections
    with pytest.raises(pv.APITimeoutError, match="outcome is unknown"):
        await conns.create(name="Latest", client_identifier="cid", **OURS)
    # The one deadline shows in what was sent (not in a wall-clock time, which a loaded
    # machine stretches): a fresh deadline per page would have read all 17 and found ours.
    lists = [r for r in served.emulator.requests if r.method == "GET"]
    assert 1 <= len(lists) < ACCOUNT_SIZE // page_size
    # The write was applied: the outcome really was unknown, not a failure.
    assert stored(served, api_key)[-1]["name"] == "Latest"


async def test_update_reread_gives_up_at_the_calls_deadline(
    served: emulator.RunningEmulator,
    make_client: MakeClient,
    api_key: str,
    slow_from_the_first_retry: Callable[[float], None],
    drop_kind: emulator.DropKind,
) -> None:
    """After a dropped answer and the retry's 409, the re-read that checks our update shares
    the call's deadline. From the retry on, answers take 0.8 s: the retried PUT leaves under
    0.6 s of the 1.4 s, too little for the re-read (a fresh 1.4 s would have let it finish
    and the call succeed late): APITimeoutError says the write's outcome is unknown.
    """
    with other_writer(served.base_url, api_key) as http:
        cid = str(create_directly(http, "Main")["connectionId"])
    served.emulator.fail_next(method="PUT", drop_after_commit=True, drop=drop_kind)
    slow_from_the_first_retry(800)
    conns = make_client(timeout=TIMEOUT).vimeo_connections
    # A fresh deadline for the re-read would have let the call succeed: it raises instead.
    with pytest.raises(pv.APITimeoutError, match="outcome is unknown"):
        await conns.update(cid, version=1, description="ours")
    puts = [(r.status, r.dropped) for r in served.emulator.requests if r.method == "PUT"]
    assert puts == [(200, True), (409, False)]
    [connection] = stored(served, api_key)
    assert (connection["version"], connection["description"]) == (2, "ours")


# --- 3. create and someone else's connection with the same name and readable fields -------


@attrs.frozen
class EarlierConnections:
    """An emulator where, as the module started, another process created "Marketing" (our
    readable fields, its own secrets) in one account per loop and pool.
    """

    served: emulator.RunningEmulator
    #: Server time (epoch seconds) of the latest of those creates.
    created: float

    @staticmethod
    def key_for(loop_and_pool: tuple[str, str]) -> str:
        """The account this run of a test uses."""
        return "pictai_earlier_" + "_".join(loop_and_pool)


@pytest.fixture(scope="module", autouse=True)
def earlier_connections() -> Iterator[EarlierConnections]:
    """Made once, when the module starts, so the time a test must let pass after them (for
    the server's whole-second Date header to show they are older than our call) has
    usually passed by the time it runs.
    """
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(emulator.running()) as running,
    ):
        for param in LOOPS_AND_POOLS:
            backend, pool = param.values[0]  # type: ignore[misc]
            key = EarlierConnections.key_for((str(backend), str(pool)))
            with other_writer(running.base_url, key) as http:
                create_directly(http, "Marketing")
        created = max(
            datetime.fromisoformat(str(c["createdDate"])).timestamp()
            for c in running.emulator.connections()
        )
        yield EarlierConnections(running, created)


async def server_date_passes(base_url: str, moment: float) -> None:
    """Wait until the server's ``Date`` header (whole seconds) is at
    least half a second past ``moment``, polling its health route.
    """
    async with httpx.AsyncClient(base_url=base_url) as http:
        with anyio.fail_after(5):
            while True:
                date = (await http.get("/_emulator/health")).headers["date"]
                if parsedate_to_datetime(date).timestamp() >= moment + 0.5:
                    return
                await anyio.sleep(0.05)


async def test_create_does_not_claim_someone_elses_earlier_connection_after_a_503(
    earlier_connections: EarlierConnections,
    loop_and_pool: tuple[str, str],
    sdk_transport: Pool,
) -> None:
    """Another process made "Marketing" with our readable fields but its own secrets before
    our call; our first attempt gets a 503 (not applied), the retry a 409. Their connection
    was created before our first attempt, so it is not ours: DuplicateNameError, and their
    secrets stay stored.
    """
    running = earlier_connections.served
    key = EarlierConnections.key_for(loop_and_pool)
    await server_date_passes(running.base_url, earlier_connections.created)
    before = len(running.emulator.requests)
    running.emulator.fail_next(503, method="POST")
    async with pv.AsyncPictoryClient(key, running.base_url, transport=sdk_transport) as client:
        with pytest.raises(pv.DuplicateNameError, match="created before this call") as caught:
            await client.vimeo_connections.create(
                name="Marketing",
                client_identifier=FIELDS["clientIdentifier"],
                description=FIELDS["description"],
                enabled=FIELDS["enabled"],
                **OURS,
            )
    assert caught.value.attempts == 2
    [connection] = running.emulator.connections(key)
    assert connection["clientSecret"] == fingerprint(THEIRS["clientSecret"])
    assert connection["accessToken"] == fingerprint(THEIRS["accessToken"])
    served = [(r.method, r.status) for r in running.emulator.requests[before:]]
    assert served == [("POST", 503), ("POST", 409), ("GET", 200)]


async def test_create_claims_its_own_connection_whose_answer_was_dropped(
    served: emulator.RunningEmulator,
    make_client: MakeClient,
    api_key: str,
    drop_kind: emulator.DropKind,
) -> None:
    """Our first attempt was applied and its answer cut off: the retry's 409 is our own
    create, created inside the window of our attempts, so it is returned, made once.
    """
    served.emulator.fail_next(method="POST", drop_after_commit=True, drop=drop_kind)
    made = await make_client().vimeo_connections.create(
        name="Marketing",
        client_identifier=FIELDS["clientIdentifier"],
        description=FIELDS["description"],
        **OURS,
    )
    [connection] = stored(served, api_key)
    assert made.connection_id == connection["connectionId"]
    assert connection["clientSecret"] == fingerprint(OURS["client_secret"])
    served_requests = [(r.method, r.status, r.dropped) for r in served.emulator.requests]
    assert served_requests == [("POST", 201, True), ("POST", 409, False), ("GET", 200, False)]
