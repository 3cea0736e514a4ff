"""The clients the benchmarks compare, each behind the harness's ``Contender`` interface.

Every contender makes the same call against the same server: ``get`` (one connection),
``list_page`` (a page of 25) or ``update`` (a PUT with the version, each worker on a
connection of its own so no two writers conflict). Raw clients do what a careful
hand-written client does: send with the key, check the status, parse the JSON. Each raw
client gets a pool sized for the concurrency; the SDK keeps its defaults (only
``transport=`` varies), because the default install is what is being judged; openai-python
keeps its defaults too, for the same reason.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any, Final

import aiohttp
import httpx

import pictory_vimeo as pv

from ._harness import API_KEY, PATH, Contender, optional

__all__ = [
    "OPS",
    "OpenAI",
    "RawAiohttp",
    "RawHttpx",
    "RawHttpx2",
    "RequestsLoop",
    "Sdk",
    "add_if_installed",
    "fetch_versions",
]

OPS: Final = ("get", "list_page", "update")
_HEADERS: Final = {"Authorization": API_KEY, "Accept": "application/json"}
_JSON_HEADERS: Final = {**_HEADERS, "Content-Type": "application/json"}


class StatusError(Exception):
    """A raw client's non-2xx answer."""


async def fetch_versions(base_url: str, ids: Sequence[str]) -> list[int]:
    """The current version of each connection (updates need it), read outside the timing."""
    # verify=False: plain HTTP on loopback, and it spares loading the CA bundle each round.
    async with httpx.AsyncClient(base_url=base_url, headers=_HEADERS, verify=False) as http:
        versions = []
        for connection_id in ids:
            response = await http.get(f"{PATH}/{connection_id}")
            response.raise_for_status()
            versions.append(int(response.json()["version"]))
    return versions


class _Target:
    """What a contender calls: the operation, the server, and the connections it uses."""

    def __init__(self, base_url: str, ids: Sequence[str], op: str) -> None:
        if op not in OPS:
            raise ValueError(f"unknown operation {op!r}")
        self.base_url = base_url
        self.ids = list(ids)
        self.op = op
        self.versions: list[int] = []

    def id_for(self, worker: int) -> str:
        return self.ids[worker % len(self.ids)]

    async def prepare(self, concurrency: int) -> None:
        if self.op == "update":
            if concurrency > len(self.ids):
                raise ValueError("update needs a connection per worker")
            self.versions = await fetch_versions(self.base_url, self.ids[:concurrency])

    def update_body(self, worker: int) -> bytes:
        version = self.versions[worker]
        return json.dumps({"version": version, "description": f"update {version}"}).encode()


class Sdk(Contender):
    """The SDK with its defaults; only ``transport=`` varies."""

    def __init__(
        self, base_url: str, ids: Sequence[str], op: str, *, transport: str, label: str
    ) -> None:
        self.key = f"sdk-{transport}"
        self.label = label
        self.httpx_pool = transport == "httpx" or "httpx" in label
        self._target = _Target(base_url, ids, op)
        self._transport = transport
        self._stack = contextlib.AsyncExitStack()
        self._client: pv.AsyncPictoryClient | None = None
        self._conns: pv.AsyncVimeoConnections | None = None
        #: The pool the last client used (``"auto"`` resolves on its first call).
        self.transport_used = ""

    async def setup(self, concurrency: int) -> None:
        """A client as a user makes one: ``async with``, the default settings."""
        await self._target.prepare(concurrency)
        client = pv.AsyncPictoryClient(
            api_key=API_KEY,
            base_url=self._target.base_url,
            transport=self._transport,  # type: ignore[arg-type]
        )
        await self._stack.enter_async_context(client)
        self._client = client
        self._conns = client.vimeo_connections

    async def call(self, worker: int) -> None:
        """One SDK call."""
        conns = self._conns
        assert conns is not None
        target = self._target
        if target.op == "get":
            await conns.get(target.id_for(worker))
        elif target.op == "list_page":
            await conns.list_page()
        else:
            version = target.versions[worker]
            updated = await conns.update(
                target.ids[worker], version=version, description=f"update {version}"
            )
            target.versions[worker] = updated.version

    async def teardown(self) -> None:
        """Leave the client's ``async with``."""
        if self._client is not None:
            self.transport_used = self._client.transport
        await self._stack.aclose()
        self._client = self._conns = None


class _HttpxApi(Contender):
    """What raw httpx and raw httpx2 share: httpx's API, so one ``call`` and ``teardown``."""

    def __init__(self, base_url: str, ids: Sequence[str], op: str) -> None:
        self._target = _Target(base_url, ids, op)
        #: httpx's ``AsyncClient`` or httpx2's (imported only when installed, so untyped),
        #: from ``setup`` to ``teardown``; read as is in ``call``, as a hand-written client would.
        self._http: Any = None

    async def call(self, worker: int) -> None:
        """Send, check the status, parse the JSON."""
        target = self._target
        if target.op == "get":
            response = await self._http.get(f"{PATH}/{target.id_for(worker)}")
        elif target.op == "list_page":
            response = await self._http.get(PATH)
        else:
            response = await self._http.put(
                f"{PATH}/{target.ids[worker]}",
                content=target.update_body(worker),
                headers={"Content-Type": "application/json"},
            )
        response.raise_for_status()
        data = json.loads(response.content)
        if target.op == "update":
            target.versions[worker] = data["version"]

    async def teardown(self) -> None:
        """Close the pool."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None


class RawHttpx(_HttpxApi):
    """``httpx.AsyncClient`` with a pool sized for the concurrency (or over ``transport``)."""

    def __init__(
        self,
        base_url: str,
        ids: Sequence[str],
        op: str,
        *,
        over_aiohttp: bool = False,
    ) -> None:
        super().__init__(base_url, ids, op)
        self.key = "raw-httpx-aiohttp" if over_aiohttp else "raw-httpx"
        self.label = "raw httpx over httpx-aiohttp" if over_aiohttp else "raw httpx"
        self.httpx_pool = not over_aiohttp
        self._over_aiohttp = over_aiohttp

    async def setup(self, concurrency: int) -> None:
        """``Limits(max_connections=N, max_keepalive_connections=N)``."""
        await self._target.prepare(concurrency)
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        transport: httpx.AsyncBaseTransport
        if self._over_aiohttp:
            from httpx_aiohttp import AiohttpTransport

            def session() -> aiohttp.ClientSession:
                return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))

            transport = AiohttpTransport(limits=limits, client=session)
        else:
            transport = httpx.AsyncHTTPTransport(limits=limits)
        self._http = httpx.AsyncClient(
            base_url=self._target.base_url, transport=transport, headers=_HEADERS
        )


class RawHttpx2(_HttpxApi):
    """httpx2's ``AsyncClient`` (openai-python's client) with a 1,000-connection pool."""

    key = "raw-httpx2"
    label = "raw httpx2 (1,000 connections)"
    #: The module its client needs, and why it is skipped without it (``add_if_installed``).
    requires = "httpx2"
    if_missing = "httpx2 is not installed"
    #: As openai-python configures it: a pool far larger than any level measured.
    connections = 1000

    def __init__(self, base_url: str, ids: Sequence[str], op: str) -> None:
        super().__init__(base_url, ids, op)
        self._httpx2 = optional(self.requires)

    async def setup(self, concurrency: int) -> None:
        """``Limits(max_connections=1000, max_keepalive_connections=1000)``."""
        await self._target.prepare(concurrency)
        assert self._httpx2 is not None, self.if_missing
        limits = self._httpx2.Limits(
            max_connections=self.connections, max_keepalive_connections=self.connections
        )
        self._http = self._httpx2.AsyncClient(
            base_url=self._target.base_url, limits=limits, headers=_HEADERS
        )


class RawAiohttp(Contender):
    """``aiohttp.ClientSession`` over ``TCPConnector(limit=N)``."""

    key = "raw-aiohttp"
    label = "raw aiohttp"

    def __init__(self, base_url: str, ids: Sequence[str], op: str) -> None:
        self._target = _Target(base_url, ids, op)
        self._session: aiohttp.ClientSession | None = None

    async def setup(self, concurrency: int) -> None:
        """A session whose connector keeps up to ``concurrency`` connections."""
        await self._target.prepare(concurrency)
        self._session = aiohttp.ClientSession(
            base_url=self._target.base_url,
            connector=aiohttp.TCPConnector(limit=concurrency),
            headers=_HEADERS,
        )

    async def call(self, worker: int) -> None:
        """Send, check the status, parse the JSON."""
        session = self._session
        assert session is not None
        target = self._target
        if target.op == "get":
            request = session.get(f"{PATH}/{target.id_for(worker)}")
        elif target.op == "list_page":
            request = session.get(PATH)
        else:
            request = session.put(
                f"{PATH}/{target.ids[worker]}",
                data=target.update_body(worker),
                headers=_JSON_HEADERS,
            )
        async with request as response:
            body = await response.read()
            if response.status >= 400:
                raise StatusError(f"status {response.status}")
        data = json.loads(body)
        if target.op == "update":
            target.versions[worker] = data["version"]

    async def teardown(self) -> None:
        """Close the session."""
        if self._session is not None:
            await self._session.close()
            self._session = None


class RequestsLoop(Contender):
    """A plain ``requests.Session`` loop: one call after another (concurrency 1 only)."""

    key = "requests"
    label = "requests, sequential"
    blocking = True
    requires = "requests"
    if_missing = "requests is not installed"

    def __init__(self, base_url: str, ids: Sequence[str], op: str) -> None:
        self._target = _Target(base_url, ids, op)
        self._requests = optional(self.requires)
        self._session: Any = None

    async def setup(self, concurrency: int) -> None:
        """A session (keeps its connection alive between calls)."""
        if concurrency != 1:
            raise ValueError("a sequential loop has concurrency 1")
        await self._target.prepare(concurrency)
        assert self._requests is not None, self.if_missing
        self._session = self._requests.Session()
        self._session.headers.update(_HEADERS)

    def call_blocking(self, worker: int) -> None:
        """Send, check the status, parse the JSON."""
        target = self._target
        base = target.base_url
        if target.op == "get":
            response = self._session.get(f"{base}{PATH}/{target.id_for(worker)}", timeout=30)
        elif target.op == "list_page":
            response = self._session.get(f"{base}{PATH}", timeout=30)
        else:
            response = self._session.put(
                f"{base}{PATH}/{target.ids[worker]}",
                data=target.update_body(worker),
                headers={"Content-Type": "application/json"},
                timeout=30,
            )
        response.raise_for_status()
        data = json.loads(response.content)
        if target.op == "update":
            target.versions[worker] = data["version"]

    async def teardown(self) -> None:
        """Close the session."""
        if self._session is not None:
            self._session.close()
            self._session = None


class OpenAI(Contender):
    """openai-python's ``AsyncOpenAI``, defaults kept, retrieving a model from the canned route."""

    key = "openai"
    label = "openai-python AsyncOpenAI"
    requires = "openai"
    if_missing = "openai-python is not installed (pip install openai, or the bench extra)"

    def __init__(self, base_url: str, ids: Sequence[str], op: str) -> None:
        if op != "get":
            raise ValueError("openai-python only has a get here (models.retrieve)")
        self._base_url = base_url
        self._openai = optional(self.requires)
        self._client: Any = None

    async def setup(self, concurrency: int) -> None:
        """``AsyncOpenAI(base_url=<server>/v1)``, everything else its defaults."""
        assert self._openai is not None, self.if_missing
        self._client = self._openai.AsyncOpenAI(
            api_key="sk-benchmark", base_url=f"{self._base_url}/v1"
        )

    async def call(self, worker: int) -> None:
        """``client.models.retrieve(id)``: a GET of a small JSON object, parsed to a model."""
        await self._client.models.retrieve(f"model-{worker % 64}")

    async def teardown(self) -> None:
        """Close its pool."""
        if self._client is not None:
            await self._client.close()
            self._client = None


def add_if_installed(
    chosen: list[Contender],
    skipped: list[dict[str, str]],
    kind: type[RawHttpx2 | RequestsLoop | OpenAI],
    base_url: str,
    ids: Sequence[str],
    op: str,
) -> None:
    """``kind`` added to ``chosen`` when its client is installed, else to ``skipped`` with why."""
    if optional(kind.requires) is None:
        skipped.append({"label": kind.label, "why": kind.if_missing})
    else:
        chosen.append(kind(base_url, ids, op))
