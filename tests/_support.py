"""What several test folders share: the API's path, its status -> error class table, a
connection object as the API returns it and its keys, the types of the shared fixtures, and
a way to hear the SDK's log records, and the emulator as a process of its own.
Fixtures built on these live in ``tests/conftest.py``; test modules import from here, not
from a conftest.
"""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self

import anyio
import anyio.abc
import httpx
import pytest
from anyio.streams.text import TextReceiveStream

import pictory_vimeo as pv

#: The resource's collection path; one connection is ``f"{PATH}/{id}"``.
PATH: Final = "/pictoryapis/v1/vimeo-connections"

#: Every error status the API documents, and the class the SDK raises for it (README,
#: "Errors"). A ``409`` whose body names its conflict is a subclass of ``ConflictError``.
STATUS_ERRORS: Final[dict[int, type[pv.APIStatusError]]] = {
    400: pv.BadRequestError,
    401: pv.AuthenticationError,
    403: pv.PermissionDeniedError,
    404: pv.NotFoundError,
    409: pv.ConflictError,
    422: pv.UnprocessableEntityError,
    429: pv.RateLimitError,
    500: pv.InternalServerError,
    502: pv.InternalServerError,
    503: pv.InternalServerError,
}
#: Statuses with no class of their own that the retry policy still names.
OTHER_STATUS_ERRORS: Final[dict[int, type[pv.APIStatusError]]] = {
    408: pv.APIStatusError,
    504: pv.InternalServerError,
}
#: Statuses worth another attempt (README, "Retries and concurrency"), with their classes.
RETRIED_STATUSES: Final = {
    status: cls
    for status, cls in sorted({**STATUS_ERRORS, **OTHER_STATUS_ERRORS}.items())
    if status in (408, 429, 500, 502, 503, 504)
}
#: Statuses retrying cannot change, with their classes: sent once, raised at once.
FINAL_STATUSES: Final = {
    status: cls for status, cls in STATUS_ERRORS.items() if status not in RETRIED_STATUSES
}


#: The keys of a connection object, in the API's order (spelled out here rather than taken
#: from the package, so that the tests check its constant).
CONNECTION_KEYS: Final = (
    "connectionId",
    "name",
    "description",
    "clientIdentifier",
    "type",
    "enabled",
    "createdDate",
    "updatedDate",
    "version",
)


def threads_started() -> Callable[[], int]:
    """A counter of the threads alive that were not when it was made, whatever started
    them. Threads of earlier tests (anyio's and asyncio's idle workers among them) that
    end meanwhile do not count, as they did when the tests compared thread counts.
    """
    before = set(threading.enumerate())
    return lambda: len(set(threading.enumerate()) - before)


def connection_json(**overrides: Any) -> dict[str, Any]:
    """A connection object as the API returns it; overrides replace fields, ``...`` drops one."""
    body: dict[str, Any] = dict(
        zip(
            CONNECTION_KEYS,
            (
                "20251222155613307xv0nodhitf9cd0f",
                "Test Vimeo Connection",
                "Testing Vimeo connection via API",
                "test_client_id_123",
                "VIMEO",
                True,
                "2025-12-22T15:56:12.309Z",
                "2025-12-22T16:19:16.058Z",
                1,
            ),
            strict=True,
        )
    )
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


#: The SDK's connection pools, as ``transport=`` names them.
Pool = Literal["aiohttp", "httpx", "httpcore2"]
#: ``make_client(api_key=..., **options)``: the root conftest's SDK client factory.
MakeClient = Callable[..., pv.AsyncPictoryClient]
#: ``connection_json(**overrides)``, as the fixture of that name gives it.
ConnectionJson = Callable[..., dict[str, Any]]
#: The fault RNG's seed: injected faults fall on the same requests on every run.
EMULATOR_SEED: Final = 20251222
#: Settings a developer may have exported; none of them may leak into a test.
PICTORY_ENVIRONMENT: Final = (
    "PICTORY_API_KEY",
    "PICTORY_BASE_URL",
    "PICTORY_VIMEO_CLIENT_SECRET",
    "PICTORY_VIMEO_ACCESS_TOKEN",
    "PICTORY_LOG",
    "PICTORY_EMULATOR_CONTROL_TOKEN",
)

#: Every async test that touches the wire runs once per event loop and connection pool the
#: SDK can use: aiohttp's pool and httpx's under asyncio, httpcore2's under trio (trio's
#: default; aiohttp needs asyncio).
LOOPS_AND_POOLS = [
    pytest.param(("asyncio", "aiohttp"), id="asyncio-aiohttp"),
    pytest.param(("asyncio", "httpx"), id="asyncio-httpx"),
    pytest.param(("trio", "httpcore2"), id="trio"),
]
#: Every other async test runs once per event loop: a run per pool would repeat it exactly.
EVENT_LOOPS = [
    pytest.param(("asyncio", "httpx"), id="asyncio"),
    pytest.param(("trio", "httpcore2"), id="trio"),
]


@contextmanager
def records_to(
    handler: logging.Handler, loggers: Iterable[str] = ("pictory_vimeo",)
) -> Iterator[None]:
    """Hand ``handler`` every record of ``loggers`` (the SDK's, unless named), DEBUG ones
    included, while inside; each logger's own level is back afterwards.
    """
    heard = [logging.getLogger(name) for name in loggers]
    levels = [logger.level for logger in heard]
    for logger in heard:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for logger, level in zip(heard, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


#: What the emulator prints once it listens.
_URL: Final = re.compile(r"http://\S+")
#: How long a start may take (a loaded machine is slow to start a Python process).
_STARTUP_SECONDS: Final = 30


class EmulatorProcess:
    """``python -m pictory_vimeo.emulator --db FILE`` as a child process, killed at will and
    started again on the same port and file; ``async with`` starts it and kills what is left.
    """

    def __init__(self, db: Path, log: Path, *, page_size: int) -> None:
        self.db = db
        self.log = log
        self.page_size = page_size
        self.port = 0
        self.base_url = ""
        self.process: anyio.abc.Process | None = None

    async def start(self) -> float:
        """Start on ``self.port`` (0 the first time: any free one); the seconds it took."""
        began = time.perf_counter()
        command = [
            sys.executable,
            "-I",
            "-m",
            "pictory_vimeo.emulator",
            "--quiet",  # its request lines would fill the pipe no one reads after the URL
            "--port",
            str(self.port),
            "--page-size",
            str(self.page_size),
            "--db",
            str(self.db),
        ]
        with self.log.open("ab") as stderr:
            self.process = await anyio.open_process(command, stderr=stderr)
        try:
            with anyio.fail_after(_STARTUP_SECONDS):
                url = await self._printed_url()
                await self._healthy(url)
        except BaseException:
            await self.stop()
            raise
        self.base_url = url
        self.port = int(url.rsplit(":", 1)[1])
        return time.perf_counter() - began

    async def _printed_url(self) -> str:
        assert self.process is not None
        assert self.process.stdout is not None
        seen = ""
        async for chunk in TextReceiveStream(self.process.stdout):
            seen += chunk
            match = _URL.search(seen)
            if match and "\n" in seen[match.end() :]:
                return match.group(0)
        raise AssertionError(f"the emulator exited before listening; it printed {seen!r}")

    @staticmethod
    async def _healthy(url: str) -> None:
        async with httpx.AsyncClient(base_url=url) as http:
            while True:
                try:
                    response = await http.get("/_emulator/health")
                except httpx.TransportError:
                    await anyio.sleep(0.02)
                    continue
                assert response.json() == {"status": "ok"}
                return

    async def kill(self) -> None:
        """SIGKILL, and wait for it to be gone."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        assert await self.process.wait() == -signal.SIGKILL
        await self.process.aclose()
        self.process = None

    async def stop(self) -> None:
        """Kill it if it still runs, and wait for it; shielded, as a clean-up must be."""
        process, self.process = self.process, None
        if process is None:
            return
        with anyio.CancelScope(shield=True):
            if process.returncode is None:
                process.kill()
            await process.wait()
            await process.aclose()

    async def __aenter__(self) -> Self:
        """Start it."""
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop it, if it still runs."""
        await self.stop()
