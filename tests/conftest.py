"""Shared fixtures: every async test runs under asyncio and trio, in a clean environment,
with the SDK in its public testing mode (retries happen, their waits do not).

Also what several folders build on: the test accounts' keys, a respx router and the base
URL it answers (for the unit tests' wire-level checks), a connection object as the API
returns it, and the emulator served over real loopback HTTP with SDK clients of it.
Folders override ``page_size`` (and, where their meaning differs, a fixture of their own).
"""

from __future__ import annotations

import inspect
import ipaddress
import logging
import socket
import ssl
import traceback
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import respx
from anyio.from_thread import start_blocking_portal

import pictory_vimeo as pv
from pictory_vimeo import _redact, emulator
from tests import _support
from tests._support import (
    EMULATOR_SEED,
    EVENT_LOOPS,
    LOOPS_AND_POOLS,
    PICTORY_ENVIRONMENT,
    ConnectionJson,
    MakeClient,
    Pool,
    records_to,
)

#: What a test (or a fixture it uses) asks for to see this run's pool: ``sdk_transport``
#: (as ``make_client`` does), or ``loop_and_pool`` itself, taken by the test function.
_POOL_FIXTURES = frozenset({"sdk_transport"})


def _sees_the_pool(metafunc: pytest.Metafunc) -> bool:
    """Whether the test's outcome can depend on the pool, not only on the event loop."""
    if _POOL_FIXTURES & set(metafunc.fixturenames):
        return True
    return "loop_and_pool" in inspect.signature(metafunc.function).parameters


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a test over every pool only if it sees the pool; else once per event loop.

    A test (or module) that parametrises ``loop_and_pool`` itself, or overrides the fixture
    with params of its own, keeps its own choice.
    """
    if "loop_and_pool" not in metafunc.fixturenames:
        return
    definitions = metafunc._arg2fixturedefs.get("loop_and_pool", ())
    if definitions and definitions[-1].params is not None:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", "")
        if isinstance(names, str):
            names = names.replace(" ", "").split(",")
        if "loop_and_pool" in names:
            return
    params = LOOPS_AND_POOLS if _sees_the_pool(metafunc) else EVENT_LOOPS
    metafunc.parametrize("loop_and_pool", params, indirect=True)


@pytest.fixture
def loop_and_pool(request: pytest.FixtureRequest) -> tuple[str, str]:
    """The event loop and the SDK's connection pool this run of the test uses."""
    backend, pool = request.param
    return str(backend), str(pool)


@pytest.fixture
def anyio_backend(loop_and_pool: tuple[str, str]) -> str:
    """Run each ``@pytest.mark.anyio`` test under its event loop."""
    return loop_and_pool[0]


@pytest.fixture
def sdk_transport(loop_and_pool: tuple[str, str]) -> Pool:
    """The ``transport=`` SDK clients of this run use (unit tests on respx pin httpx's)."""
    return cast(Pool, loop_and_pool[1])


@pytest.fixture(params=emulator.DROP_KINDS)
def drop_kind(request: pytest.FixtureRequest) -> emulator.DropKind:
    """How the emulator loses an answer in this run of an exactly-once test: the connection
    closed before the answer's first byte, cut mid-way, or reset. Every test that checks a
    write is applied once whatever becomes of its answer runs with each.
    """
    kind: emulator.DropKind = request.param
    return kind


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's own Pictory settings and secrets out of every test."""
    for name in PICTORY_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def _is_local(host: object) -> bool:
    """Whether a name or address stays on this machine (or is a wildcard to bind to)."""
    if host is None:
        return True
    name = (host.decode() if isinstance(host, bytes) else str(host)).strip("[]").rstrip(".")
    if name in ("", "localhost", "0.0.0.0", "::"):  # noqa: S104 - addresses to bind, not reach
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests reach loopback only: resolving any other host fails at once, without a lookup."""
    resolve = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_local(host):
            raise socket.gaierror(socket.EAI_NONAME, f"tests reach loopback only, not {host!r}")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture(autouse=True)
def _testing_mode() -> Iterator[None]:
    """Run the SDK in its public testing mode: retries happen, their waits do not."""
    with pv.set_testing(True):
        yield


class _RetryWaits(logging.Handler):
    """Collects the wait of every retry and every ``optimistic_update`` conflict the SDK logs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.waits: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's wait if it announces one."""
        wait = getattr(record, "pictory_wait_s", None)
        if getattr(record, "pictory_event", None) in ("retry", "conflict") and wait is not None:
            self.waits.append(float(wait))


@pytest.fixture
def retry_waits() -> Iterator[list[float]]:
    """The waits the SDK asked for (retries, conflicts), read from its DEBUG log records."""
    handler = _RetryWaits()
    with records_to(handler):
        yield handler.waits


#: The marker of a test that puts a secret into an error or a log record on purpose (to
#: check the code that masks it, say); the leak guard below leaves such a test alone.
SHOWS_SECRETS = "shows_secrets_on_purpose"
#: Where the guard listens: the SDK's logger tree (the emulator's included) and uvicorn's.
#: Not httpcore's or httpx's, whose DEBUG lines print raw headers (as documented).
GUARDED_LOGGERS = ("pictory_vimeo", "uvicorn", "uvicorn.error", "uvicorn.access")
_SHORTEST_SECRET = 4


class _Records(logging.Handler):
    """Keeps every record it is handed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep ``record`` for the check at the end of the test."""
        self.records.append(record)


@pytest.fixture(autouse=True)
def _no_secret_leaks(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Fail a test if any secret the SDK knew shows in a log record or an SDK error.

    The secrets are whatever the SDK handed to a ``Scrubber`` during the test (the key,
    client secrets, access tokens); a secret "shows" in any of the forms the scrubber
    masks (raw, trimmed, folded, JSON-, HTML- and URL-escaped...). Checked: every record
    of the guarded loggers at DEBUG, formatted, and the whole ``traceback.format_exception``
    text (every chained cause) of every ``PictoryError`` created during the test.
    """
    if request.node.get_closest_marker(SHOWS_SECRETS) is not None:
        yield
        return
    secrets: set[str] = set()
    errors: list[BaseException] = []
    scrubber_init = _redact.Scrubber.__init__

    def recording_scrubber_init(self: _redact.Scrubber, known: Any = ()) -> None:
        known = list(known)
        secrets.update(s for s in known if isinstance(s, str) and len(s) >= _SHORTEST_SECRET)
        scrubber_init(self, known)

    def recording_error_init(self: pv.PictoryError, *args: Any, **kwargs: Any) -> None:
        errors.append(self)
        super(pv.PictoryError, self).__init__(*args, **kwargs)

    monkeypatch.setattr(_redact.Scrubber, "__init__", recording_scrubber_init)
    monkeypatch.setattr(pv.PictoryError, "__init__", recording_error_init)
    handler = _Records()
    with records_to(handler, GUARDED_LOGGERS):
        yield
    if not secrets:
        return
    forms = sorted(set().union(*(_redact._forms(secret) for secret in secrets)), key=len)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts = [(f"log record of {r.name}", formatter.format(r)) for r in handler.records]
    texts += [
        (f"{type(e).__name__} (traceback)", "".join(traceback.format_exception(e))) for e in errors
    ]
    texts += [
        (f"{type(e).__name__} (a local of {where} in its traceback)", text)
        for e in errors
        for where, text in _package_locals(e)
    ]
    for where, text in texts:
        for form in forms:
            if form in text:
                pytest.fail(f"a secret ({form!r}) shows in a {where}:\n{text}", pytrace=False)


#: The package's own files: the frames whose locals the leak guard reads.
_PACKAGE_DIR = str(Path(pv.__file__).parent)


def _package_locals(error: BaseException) -> Iterator[tuple[str, str]]:
    """(frame and name, repr) of every local of every frame of the package on ``error``'s
    traceback, its causes' and its contexts', as an error tracker records them: through
    ``traceback.TracebackException(..., capture_locals=True)``, which must not fail.
    """
    if error.__traceback__ is None:
        return
    try:
        summary = traceback.TracebackException.from_exception(error, capture_locals=True)
        "".join(summary.format())
    except Exception as exc:
        pytest.fail(
            f"formatting a {type(error).__name__} with its locals raised {exc!r}", pytrace=False
        )
    pending = [summary]
    while pending:
        current = pending.pop()
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
        pending += getattr(current, "exceptions", None) or []
        for frame in current.stack:
            if frame.filename.startswith(_PACKAGE_DIR):
                for name, text in (frame.locals or {}).items():
                    yield f"{frame.name}() ({name})", text


@pytest.fixture
def api_key() -> str:
    """The key of the main test account."""
    return "pictai_test_account_a"


@pytest.fixture
def other_api_key() -> str:
    """The key of a second, unrelated account."""
    return "pictai_test_account_b"


@pytest.fixture
def base_url() -> str:
    """The base URL clients on the respx router talk to (only respx answers there)."""
    return "https://api.test"


@pytest.fixture(scope="session")
def tls_context() -> ssl.SSLContext:
    """One TLS context for the whole run: building one per client is most of a test's time."""
    return ssl.create_default_context()


@pytest.fixture
def router(base_url: str) -> Iterator[respx.MockRouter]:
    """A respx router mocking every httpx request; an unrouted request fails the test."""
    with respx.mock(base_url=base_url, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def connection_json() -> ConnectionJson:
    """A connection object as the API returns it; overrides replace fields, ``...`` drops one."""
    return _support.connection_json


@pytest.fixture
def page_size() -> int:
    """How many connections one list page of the served emulator holds (its default)."""
    return 25


@pytest.fixture
async def served(
    anyio_backend: str, page_size: int, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[emulator.RunningEmulator]:
    """A fresh emulator on a free loopback port (seeded faults, ``page_size``) for one test.

    In memory unless a test parametrises it indirectly with ``"sqlite"``.
    """
    store = getattr(request, "param", "memory")
    assert store in ("memory", "sqlite")
    db = tmp_path / "emulator.sqlite3" if store == "sqlite" else None
    async with emulator.running(page_size=page_size, seed=EMULATOR_SEED, db=db) as running:
        yield running


@pytest.fixture
def served_in_thread(page_size: int) -> Iterator[emulator.RunningEmulator]:
    """A fresh emulator on loopback for a synchronous test (seeded, ``page_size``): its
    loop lives in a portal thread.
    """
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(
            emulator.running(page_size=page_size, seed=EMULATOR_SEED)
        ) as running,
    ):
        yield running


@pytest.fixture
async def make_client(
    served: emulator.RunningEmulator, sdk_transport: Pool, api_key: str
) -> AsyncIterator[MakeClient]:
    """``make_client(api_key=<main account>, **options)``: an SDK client of the served
    emulator, over this run's connection pool; closed after the test.
    """
    made: list[pv.AsyncPictoryClient] = []
    main_key = api_key

    def make(api_key: str = main_key, **options: Any) -> pv.AsyncPictoryClient:
        options.setdefault("transport", sdk_transport)
        client = pv.AsyncPictoryClient(api_key=api_key, base_url=served.base_url, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
