"""Serving the emulator over real HTTP: ``running()`` for tests, and the pieces ``serve`` shares.

uvicorn needs asyncio, so ``running()`` gives it a thread and an event loop of its own;
the caller's loop (asyncio or trio) only waits for it to start and to stop. The socket is
bound here, before the server starts, so port 0 yields a known free port at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import AsyncIterator
from typing import Any, Final

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
import attrs
import uvicorn

from ._access import control_token_for
from ._app import Emulator
from ._faults import Faults
from ._http import MAX_HEADER_BYTES, ConnectionDropped
from ._protocol import DEFAULT_READ_TIMEOUT, check_read_timeout, timed_protocol

__all__ = ["RunningEmulator", "bind", "server_config", "url_of", "running"]

#: Seconds uvicorn waits for requests in flight (e.g. delayed by latency) when stopping.
_GRACEFUL_SECONDS: Final = 5
_LOOPBACK: Final = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104


class _DroppedAnswerFilter(logging.Filter):
    """Hides uvicorn's report of a deliberately dropped answer; real errors still show."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record except the one about a ``ConnectionDropped``."""
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


_DROP_FILTER: Final = _DroppedAnswerFilter()


def _quiet_dropped_answers() -> None:
    server_log = logging.getLogger("uvicorn.error")
    if _DROP_FILTER not in server_log.filters:
        server_log.addFilter(_DROP_FILTER)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        if os.name != "nt":  # on Windows this option lets two servers share a port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)  # connections queue from now on, before the loop accepts them
    except BaseException:
        sock.close()
        raise
    return sock


def url_of(host: str, sock: socket.socket) -> str:
    """The base URL a client on this machine uses to reach ``sock``."""
    port = sock.getsockname()[1]
    reachable = _LOOPBACK.get(host, host)
    return f"http://[{reachable}]:{port}" if ":" in reachable else f"http://{reachable}:{port}"


def server_config(
    emulator: Emulator,
    host: str,
    log_config: dict[str, Any] | None,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> uvicorn.Config:
    """uvicorn's settings for serving ``emulator`` on ``host``."""
    config = uvicorn.Config(
        emulator.app,
        host=host,
        http=timed_protocol(read_timeout),
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        log_level="warning",
        access_log=False,
        log_config=log_config,
        lifespan="off",
        ws="none",
        server_header=False,
        date_header=False,  # the app's own, in-process too
        timeout_graceful_shutdown=_GRACEFUL_SECONDS,
    )
    # After Config, whose logging setup would otherwise come later and could reset it.
    _quiet_dropped_answers()
    return config


class _ThreadedServer(uvicorn.Server):
    """A uvicorn server run on its own thread, telling the caller when it is up (or down)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self.failure: BaseException | None = None
        self._token: anyio.lowlevel.EventLoopToken | None = None
        self._wake: anyio.Event | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as uvicorn does, then signal readiness."""
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()

    async def main_loop(self) -> None:
        """uvicorn's loop, but woken at once by :meth:`stop` instead of at its next 0.1 s tick."""
        self._token = anyio.lowlevel.current_token()
        self._wake = anyio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            with anyio.move_on_after(0.1):  # uvicorn's own tick
                await self._wake.wait()

    def stop(self) -> None:
        """Ask the server to exit, from any thread; it stops without waiting for its tick."""
        self.should_exit = True
        token, wake = self._token, self._wake
        if token is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # its loop has already finished
                anyio.from_thread.run_sync(wake.set, token=token)

    def serve_in_thread(self, sock: socket.socket) -> None:
        """The thread's body: an asyncio loop of its own, serving until told to exit."""
        try:
            anyio.run(self.serve, [sock], backend="asyncio")
        except BaseException as exc:  # the caller's thread reports it
            self.failure = exc
        finally:
            self.ready.set()


@attrs.frozen
class RunningEmulator:
    """An emulator served over HTTP, and the token its control routes ask for (if any)."""

    base_url: str
    emulator: Emulator
    control_token: str | None = attrs.field(default=None, repr=False)


@contextlib.asynccontextmanager
async def running(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    page_size: int = 25,
    db: str | os.PathLike[str] | None = None,
    faults: Faults | None = None,
    seed: int | None = None,
    control_token: str | None = None,
    request_read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> AsyncIterator[RunningEmulator]:
    """Serve a new ``Emulator`` over HTTP for the duration of the block (asyncio or trio).

    Off loopback the control routes ask for ``control_token``, a random one if none is
    given; on loopback only for one given. The result carries it. A request not received
    in full within ``request_read_timeout`` seconds is answered 408 and its connection
    closed.
    """
    check_read_timeout(request_read_timeout)
    token = control_token_for(host, control_token)
    emulator = Emulator(page_size=page_size, db=db, faults=faults, seed=seed, control_token=token)
    try:
        sock = bind(host, port)
        try:
            # log_config=None: a library must not reconfigure its host process's logging.
            config = server_config(emulator, host, None, request_read_timeout)
            server = _ThreadedServer(config)
            thread = threading.Thread(
                target=server.serve_in_thread, args=(sock,), name="pictory-vimeo-emulator"
            )
            thread.daemon = True
            thread.start()
            try:
                await anyio.to_thread.run_sync(server.ready.wait, abandon_on_cancel=True)
                if not server.started:
                    raise RuntimeError("the emulator's HTTP server did not start") from (
                        server.failure
                    )
                yield RunningEmulator(url_of(host, sock), emulator, control_token=token)
            finally:
                server.stop()
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(thread.join)
        finally:
            sock.close()
    finally:
        emulator.close()
