"""The server every benchmark runs against, in a process of its own.

Run as a module (``python -m benchmarks._server --latency-ms 50``), not imported: the
benchmark harness starts it with ``subprocess``, pinned to core 0 where ``taskset`` exists,
so the server and the client under test never share a core. It serves the emulator's app
with uvicorn (uvloop and httptools when installed, so the server is not the bottleneck)
on 127.0.0.1 only, plus a canned ``GET /v1/models/{id}`` for openai-python, delayed by the
same latency as the API. ``--seed N`` stores N connections before it starts listening,
straight into the emulator's store rather than through N HTTP creates. ``--bare`` serves
``_bare.BareApp`` instead: fixed answers, so the server costs as little as one can.

Once it accepts connections it prints one JSON line on stdout: ``{"url", "ids", "seconds"}``
(the base URL, the IDs of up to ``--print-ids`` seeded connections, and how long seeding
took).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.util
import json
import resource
import socket
import sys
import time
from typing import Any

import uvicorn

from benchmarks._bare import BareApp, connection_ids
from pictory_vimeo.emulator import Emulator, Faults

#: ASGI callables, kept loose: the server only passes them through.
Scope = dict[str, Any]
Receive = Any
Send = Any

_MODELS = b"/v1/models/"


def _raise_file_limit() -> None:
    """Allow as many open sockets as the hard limit does (512 clients and more)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = 65536 if hard == resource.RLIM_INFINITY else hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def seed(emulator: Emulator, api_key: str, count: int) -> list[str]:
    """Store ``count`` connections for ``api_key``'s account; their IDs in creation order.

    Writes into the emulator's store directly (the store and its record type are internal
    to the emulator, which has no public bulk load), with the account hash the API uses.
    """
    from pictory_vimeo.emulator._store import NewConnection

    account = hashlib.sha256(api_key.encode("utf-8", "surrogateescape")).hexdigest()
    store = emulator._store
    ids = []
    for index in range(count):
        record = store.create(
            account,
            NewConnection(
                name=f"bench {index:06d}",
                description=f"benchmark connection {index}",
                enabled=True,
                client_identifier=f"client-{index:06d}",
                client_secret="benchmark-secret",
                access_token="benchmark-token",
            ),
        )
        ids.append(record.connection_id)
    return ids


class WithModels:
    """The emulator's app, plus a canned ``GET /v1/models/{id}`` in OpenAI's shape."""

    def __init__(self, app: Any, latency: float) -> None:
        self._app = app
        self._latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the models route here; everything else goes to the emulator."""
        raw = scope.get("raw_path") or scope.get("path", "").encode()
        if scope["type"] != "http" or not raw.startswith(_MODELS):
            await self._app(scope, receive, send)
            return
        if self._latency > 0:
            await asyncio.sleep(self._latency)
        model = raw[len(_MODELS) :].partition(b"?")[0].decode("latin-1")
        body = json.dumps(
            {"id": model, "object": "model", "created": 1_700_000_000, "owned_by": "benchmark"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _fastest(module: str, name: str, fallback: str) -> str:
    return name if importlib.util.find_spec(module) else fallback


def main(argv: list[str] | None = None) -> int:
    """Seed, bind, print the ready line, serve until terminated."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks._server", description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--page-size", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0, metavar="N")
    parser.add_argument("--print-ids", type=int, default=1000, metavar="N")
    parser.add_argument("--api-key", default="pictai_benchmark")
    parser.add_argument("--bare", action="store_true", help="fixed answers, no emulator")
    args = parser.parse_args(argv)

    _raise_file_limit()
    latency = args.latency_ms / 1000.0
    started = time.perf_counter()
    emulator = None
    app: Any
    if args.bare:
        ids = connection_ids(args.seed)
        app = BareApp(latency, args.page_size, ids)
    else:
        emulator = Emulator(page_size=args.page_size, faults=Faults(latency_ms=args.latency_ms))
        ids = seed(emulator, args.api_key, args.seed)
        app = WithModels(emulator.app, latency)
    seconds = time.perf_counter() - started

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)  # connections queue from here on, before the loop accepts them
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        loop=_fastest("uvloop", "uvloop", "asyncio"),
        http=_fastest("httptools", "httptools", "h11"),
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
        server_header=False,
        backlog=4096,
        timeout_keep_alive=60,
        timeout_graceful_shutdown=1,
    )
    ready = {"url": f"http://127.0.0.1:{port}", "ids": ids[: args.print_ids], "seconds": seconds}
    print(json.dumps(ready), flush=True)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        if emulator is not None:
            emulator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
