"""``PictoryEmulator``: a fresh in-process emulator and the clients bound to it.

What the ``pictory_emulator`` fixture gives each test, usable without pytest too (``with
PictoryEmulator() as emu: ...``). Clients reach the emulator through its in-process
transport, so nothing listens on a port and no socket is opened; the emulator itself (and
with it Starlette) is imported only when one is made, so the pytest plugin loads without the
``emulator`` extra.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final, Self, TypedDict, TypeVar, Unpack

import anyio
import httpx

from .._budget import RetryBudget
from .._client import AsyncPictoryClient
from .._config import TestingMode, TransportName, set_testing
from .._names import KEY_PREFIX, needs_emulator_extra
from .._sync._client import PictoryClient
from .._sync._portal import Backend
from .._traffic import RateLimit

if TYPE_CHECKING:
    from ..emulator import Emulator, ServedRequest

__all__ = [
    "BASE_URL",
    "DEFAULT_API_KEY",
    "ClientOptions",
    "PictoryEmulator",
    "SyncClientOptions",
]

#: The base URL of every client made here (plain http is allowed to loopback).
BASE_URL: Final = "http://localhost"
#: The key clients use unless given ``api_key=``; any key starting ``pictai_`` is an account.
DEFAULT_API_KEY: Final = KEY_PREFIX + "pytest"

#: An SDK client, async or sync.
C = TypeVar("C", AsyncPictoryClient, PictoryClient)


class ClientOptions(TypedDict, total=False):
    """What ``PictoryEmulator.client`` accepts: ``AsyncPictoryClient``'s arguments."""

    api_key: str | None
    base_url: str | None
    timeout: float
    max_retries: int
    default_headers: Mapping[str, str] | None
    http_client: httpx.AsyncClient | None
    transport: TransportName | httpx.AsyncBaseTransport
    max_concurrency: int
    allow_insecure_http: bool
    validate: bool
    retry_budget: RetryBudget | None
    rate_limit: RateLimit
    max_response_bytes: int


class SyncClientOptions(ClientOptions, total=False):
    """What ``PictoryEmulator.sync_client`` accepts: ``PictoryClient``'s arguments."""

    backend: Backend


def _new_emulator(page_size: int) -> Emulator:
    """A new in-memory emulator, or an ``ImportError`` that names the extra it needs."""
    with needs_emulator_extra("the pictory_emulator fixture"):
        from ..emulator import Emulator
    return Emulator(page_size=page_size)


def _close_all(clients: list[AsyncPictoryClient]) -> None:
    """Close async clients from a thread of our own, whatever loop (if any) the caller runs.

    Clients bound to the emulator hold no socket, so closing them in a new event loop is
    safe; ``aclose()`` does nothing for a client that is already closed.
    """
    failures: list[BaseException] = []

    async def close() -> None:
        for client in clients:
            await client.aclose()

    def run() -> None:
        try:
            anyio.run(close)
        except BaseException as error:  # raised again in the caller's thread
            failures.append(error)

    thread = threading.Thread(target=run, name="pictory-emulator-teardown")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


class PictoryEmulator:
    """A fresh emulator served in process, and clients of it; what ``pictory_emulator`` is.

    ``client()`` and ``sync_client()`` make SDK clients bound to the emulator: base URL
    ``http://localhost``, the key ``api_key`` unless another is given, the emulator's
    in-process transport (no socket, no port). Other keyword arguments go to the client as
    they are. Used as ``with`` (the fixture does), retry waits are off for the block
    (``pv.set_testing(True)``, restored afterwards), and on leaving it every client made
    here that is still open is closed, then the emulator.

    Args:
        page_size: Connections per list page (an integer >= 1, default 25); a small one
            makes listings span pages.
        api_key: The key clients made here use unless given ``api_key=`` (any key
            starting ``pictai_`` is an account of its own).

    Attributes:
        api_key (str): The key clients made here use unless given ``api_key=``.
        fail_next: The emulator's ``fail_next(status=503, *, times=1, method=None,
            drop_after_commit=False, retry_after=None)``: the next ``times`` requests (of
            ``method``, if given) fail with ``status`` before anything changes, or with
            ``drop_after_commit=True`` are applied and then lose their answer.

    Raises:
        ModuleNotFoundError: The ``emulator`` extra is not installed (the message says
            what to install).
    """

    def __init__(self, *, page_size: int = 25, api_key: str = DEFAULT_API_KEY) -> None:
        self._emulator = _new_emulator(page_size)
        #: The emulator's own ``fail_next(status=503, *, times=1, method=None,
        #: drop_after_commit=False, retry_after=None, drop=None)``: scripted, deterministic
        #: faults; ``drop`` ("close", "cut" the default, "reset") is how a dropped answer
        #: is lost.
        self.fail_next = self._emulator.fail_next
        #: The key clients made here use unless given ``api_key=``.
        self.api_key = api_key
        self._lock = threading.Lock()
        self._async_clients: list[AsyncPictoryClient] = []
        self._sync_clients: list[PictoryClient] = []
        self._testing: TestingMode | None = None
        self._closed = False

    @property
    def emulator(self) -> Emulator:
        """The underlying ``pictory_vimeo.emulator.Emulator``, for everything else it offers."""
        return self._emulator

    def _made(self, make: Callable[..., C], options: ClientOptions, made_here: list[C]) -> C:
        """``make(**options)`` bound to this emulator (unless the test chose otherwise), kept
        in ``made_here`` to be closed with it.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("this emulator is closed: its test has ended")
        options.setdefault("api_key", self.api_key)
        options.setdefault("base_url", BASE_URL)
        if options.get("http_client") is None:
            options.setdefault("transport", self._emulator.transport())
        client = make(**options)
        with self._lock:
            made_here.append(client)
        return client

    def client(self, **options: Unpack[ClientOptions]) -> AsyncPictoryClient:
        """An ``AsyncPictoryClient`` of this emulator; closed at the end of the test if open.

        Use it as ``async with`` or not: a client the test leaves open is closed for it.

        Args:
            **options: ``AsyncPictoryClient``'s arguments; ``api_key``, ``base_url`` and
                ``transport`` default to this emulator's.

        Returns:
            The client.

        Raises:
            RuntimeError: The emulator is closed (its test has ended).
            ValidationError: An argument breaks its rule.
        """
        return self._made(AsyncPictoryClient, options, self._async_clients)

    def sync_client(self, **options: Unpack[SyncClientOptions]) -> PictoryClient:
        """A ``PictoryClient`` of this emulator; closed at the end of the test if open.

        Use it as ``with`` or not: a client the test leaves open is closed for it.

        Args:
            **options: ``PictoryClient``'s arguments, ``backend`` (the event loop run in
                the client's thread) among them; ``api_key``, ``base_url`` and
                ``transport`` default to this emulator's.

        Returns:
            The client.

        Raises:
            RuntimeError: The emulator is closed (its test has ended).
            ValidationError: An argument breaks its rule (checked before the client's thread
                starts, so none is left running).
        """
        return self._made(PictoryClient, options, self._sync_clients)

    @property
    def requests(self) -> list[ServedRequest]:
        """Every API request received so far, in order, deliberately failed ones included.

        Each has ``method``, ``path``, ``query``, ``status`` (for a dropped answer, the
        status it was about to send), ``fault`` (``"scripted"``, ``"random"``,
        ``"rate-limit"`` or ``None``), ``dropped`` and ``drop`` (how: ``"close"``, ``"cut"``,
        ``"reset"``), ``account`` (the key's fingerprint), ``time``, ``ms`` and ``seq``. A
        copy, taken now.

        Returns:
            A new list of ``ServedRequest``, oldest first.
        """
        return self._emulator.requests

    def connections(self, api_key: str | None = None) -> list[dict[str, object]]:
        """The connections stored for ``api_key``'s account (``None``: every account).

        Each is the API's JSON object, oldest first, with ``clientSecret`` and
        ``accessToken`` as ``pictory_vimeo.emulator.fingerprint()`` of the secret.

        Args:
            api_key: Whose account to show; ``None``: every account.

        Returns:
            A new list of the connections' JSON objects, oldest first.
        """
        return self._emulator.connections(api_key)

    def close(self) -> None:
        """Close every client made here that is still open, then the emulator."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            sync_clients, self._sync_clients = self._sync_clients, []
            async_clients, self._async_clients = self._async_clients, []
        try:
            for sync_client in sync_clients:
                sync_client.close()
            if async_clients:
                _close_all(async_clients)
        finally:
            self._emulator.close()

    def __enter__(self) -> Self:
        """Turn retry waits off until the block ends; return the emulator itself."""
        self._testing = set_testing(True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close every client made here and the emulator; restore the testing mode."""
        try:
            self.close()
        finally:
            if self._testing is not None:
                self._testing.__exit__(*exc_info)
                self._testing = None

    def __repr__(self) -> str:
        emulator = getattr(self, "_emulator", None)  # None while half-built
        return f"<PictoryEmulator page_size={getattr(emulator, 'page_size', None)}>"
